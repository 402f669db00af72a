/**
 * A UDP proxy on loopback that delays every datagram by `delayMs` in each
 * direction, in order (timers of equal duration run first in, first out):
 * the QUIC counterpart of worker-proxy.ts. Each client address gets its own
 * upstream socket, so the server tells the clients apart by port as it would
 * without the proxy. → `ready { port }`; ← `stop`.
 */
import { createSocket, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { nextMessage, reply, runWorker, type WorkerArgs, workerArgs } from './worker-runtime.js'

interface UdpProxyArgs extends WorkerArgs {
  targetPort: number
  delayMs: number
}

/** client addresses served at once; the oldest is dropped past this */
const MAX_CLIENTS = 2048

runWorker(async () => {
  const args = workerArgs<UdpProxyArgs>()
  const front = createSocket('udp4')
  const upstreams = new Map<string, Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const later = (fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, args.delayMs)
    timers.add(timer)
  }
  const upstreamFor = (address: string, port: number): Socket => {
    const key = `${address}:${port}`
    let upstream = upstreams.get(key)
    if (upstream != null) return upstream
    if (upstreams.size >= MAX_CLIENTS) {
      const [oldest, socket] = upstreams.entries().next().value as [string, Socket]
      upstreams.delete(oldest)
      socket.close()
    }
    const created = createSocket('udp4')
    created.on('message', (message) => later(() => front.send(message, port, address)))
    created.on('error', () => {})
    created.bind(0, '127.0.0.1')
    upstreams.set(key, created)
    upstream = created
    return upstream
  }
  front.on('message', (message, from) => {
    const upstream = upstreamFor(from.address, from.port)
    later(() => upstream.send(message, args.targetPort, '127.0.0.1'))
  })
  front.on('error', () => {})
  front.bind(0, '127.0.0.1')
  await once(front, 'listening')
  await reply({ type: 'ready', port: front.address().port })
  await nextMessage('stop')
  for (const timer of timers) clearTimeout(timer)
  for (const socket of upstreams.values()) socket.close()
  front.close()
})
