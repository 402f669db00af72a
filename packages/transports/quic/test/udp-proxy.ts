/**
 * A UDP proxy on loopback that drops, reorders and duplicates datagrams
 * (both directions), driven by a seeded generator so a run is repeatable.
 * The client talks to the proxy; the proxy talks to the server from one
 * socket, and remembers the client's address.
 */
import { createSocket } from 'node:dgram'

export interface Impairment {
  /** probability a datagram is dropped */
  drop: number
  /** probability a datagram is held back `reorderDelay` ms (arrives after later ones) */
  reorder: number
  /** probability a datagram is sent twice */
  duplicate: number
  reorderDelay?: number
  seed?: number
}

export interface UdpProxy {
  port: number
  stats: { forwarded: number; dropped: number; reordered: number; duplicated: number }
  close(): Promise<void>
}

/** mulberry32: small, seeded, good enough to pick datagrams */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function startUdpProxy(serverPort: number, impairment: Impairment): Promise<UdpProxy> {
  const next = random(impairment.seed ?? 1)
  const socket = createSocket('udp4')
  const stats = { forwarded: 0, dropped: 0, reordered: 0, duplicated: 0 }
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let client: { address: string; port: number } | undefined
  socket.on('message', (message, from) => {
    const fromServer = from.port === serverPort
    if (!fromServer) client = { address: from.address, port: from.port }
    const target = fromServer ? client : { address: '127.0.0.1', port: serverPort }
    if (target == null) return
    if (next() < impairment.drop) {
      stats.dropped++
      return
    }
    const send = (): void => {
      socket.send(message, target.port, target.address)
      stats.forwarded++
    }
    const copies = next() < impairment.duplicate ? 2 : 1
    if (copies === 2) stats.duplicated++
    for (let i = 0; i < copies; i++) {
      if (next() < impairment.reorder) {
        stats.reordered++
        const timer = setTimeout(() => {
          timers.delete(timer)
          send()
        }, impairment.reorderDelay ?? 3)
        timers.add(timer)
      } else send()
    }
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    port: socket.address().port,
    stats,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    },
  }
}
