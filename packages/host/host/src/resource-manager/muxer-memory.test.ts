import type { Stream } from '@libp2p/interface'
import { delay } from '@weft/utils'
import { INITIAL_STREAM_WINDOW, yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { stopAll, tcpHost } from '../../test/fixtures/hosts.js'
import type { Host } from '../host.js'
import type { HostInit } from '../host-init.js'

afterEach(stopAll)

const MiB = 1024 * 1024
const SINK = '/sink/1.0.0'
const TOTAL = 64 * MiB
const BLOCK = new Uint8Array(256 * 1024)

/** Waits until `check` holds (at most 10 s). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await delay(10)
  expect(check()).toBe(true)
}

/** Writes `TOTAL` bytes, honouring back-pressure, then closes the writable end. */
async function writeTotal(stream: Stream): Promise<void> {
  for (let sent = 0; sent < TOTAL; sent += BLOCK.byteLength) {
    if (!stream.send(BLOCK)) await stream.onDrain()
  }
  await stream.close()
}

function peerMemory(host: Host, peer: Host): number {
  return host.resourceManager.stat().peers[peer.peerId.toString()]?.usage.memory ?? 0
}

/** A yamux that is not given the resource manager: its windows cost nothing there. */
const unscopedYamux: HostInit['streamMuxers'] = [(components) => yamux()({ logger: components.logger })]

/** Milliseconds to move `TOTAL` bytes from a new `dialer` to a new `listener` whose handler reads at once. */
async function timeTransfer(init: HostInit): Promise<number> {
  const listener = await tcpHost(init)
  const dialer = await tcpHost(init)
  let received = 0
  const done = new Promise<void>((resolve) => {
    void listener.handle(SINK, (stream) => {
      stream.addEventListener('message', (evt) => {
        received += evt.data.byteLength
      })
      stream.addEventListener('remoteCloseWrite', () => {
        resolve()
        void stream.close()
      })
    })
  })
  const stream = await dialer.dialProtocol(listener.getMultiaddrs(), SINK)
  const start = performance.now()
  await writeTotal(stream)
  await done
  const elapsed = performance.now() - start
  expect(received).toBe(TOTAL)
  await stopAll()
  return elapsed
}

describe('yamux reserves its windows in the host resource manager (TCP + Noise + yamux on loopback)', () => {
  it('holds a peer within its memory limit under a slow reader, and gives it all back', async () => {
    const limit = 4 * MiB
    const listener = await tcpHost({ resources: { peer: { memory: limit } } })
    const dialer = await tcpHost()
    let received = 0
    let reader: Stream | undefined
    const ended = new Promise<void>((resolve) => {
      void listener.handle(SINK, (stream) => {
        reader = stream
        stream.addEventListener('message', (evt) => {
          received += evt.data.byteLength
        })
        // 'end': the remote closed and every byte was read
        stream.addEventListener('end', () => {
          resolve()
          void stream.close()
        })
      })
    })
    let maxUsage = 0
    const sampler = setInterval(() => {
      maxUsage = Math.max(maxUsage, peerMemory(listener, dialer))
    }, 2)
    try {
      const stream = await dialer.dialProtocol(listener.getMultiaddrs(), SINK)
      const writing = writeTotal(stream)
      // read at once until the windows grew into the limit, then stop reading for a while
      await until(() => refusedMemory(listener) > 0 || received > TOTAL / 2)
      reader?.pause()
      await delay(300)
      const whilePaused = peerMemory(listener, dialer)
      expect(whilePaused).toBeGreaterThan(0)
      expect(whilePaused).toBeLessThanOrEqual(limit)
      // what waits unread is covered: the window's reservation plus the 256 KiB every stream starts with
      const { connectionMemory, streamMemory } = listener.resourceManager.config
      expect(reader?.readBufferLength).toBeGreaterThan(0)
      expect(reader?.readBufferLength).toBeLessThanOrEqual(
        whilePaused - connectionMemory - streamMemory + INITIAL_STREAM_WINDOW,
      )
      // and then read slowly: a few milliseconds' pause after every delivery
      reader?.addEventListener('message', () => {
        reader?.pause()
        setTimeout(() => reader?.readStatus === 'paused' && reader.resume(), 2)
      })
      reader?.resume()
      await writing
      await ended
      expect(received).toBe(TOTAL)
      await until(() => reader?.status === 'closed')
    } finally {
      clearInterval(sampler)
    }
    expect(refusedMemory(listener)).toBeGreaterThan(0)
    expect(maxUsage).toBeGreaterThan(1 * MiB)
    expect(maxUsage).toBeLessThanOrEqual(limit)
    // the stream's window and span are back; the connection keeps only its own estimate
    await until(() => peerMemory(listener, dialer) === listener.resourceManager.config.connectionMemory)
    await dialer.hangUp(listener.peerId)
    await until(() => listener.resourceManager.stat().system.usage.memory === 0)
    expect(listener.resourceManager.stat().peers[dialer.peerId.toString()]).toBeUndefined()
  })

  it('moves 64 MiB as fast with the muxer reserving its windows as without', async () => {
    const off: number[] = []
    const on: number[] = []
    const limited: number[] = []
    for (let round = 0; round < 2; round++) {
      off.push(await timeTransfer({ streamMuxers: unscopedYamux }))
      on.push(await timeTransfer({}))
      limited.push(await timeTransfer({ resources: { peer: { memory: 4 * MiB } } }))
    }
    const best = { off: Math.min(...off), on: Math.min(...on) }
    const figure = (runs: number[]): string =>
      `${((TOTAL / MiB / Math.min(...runs)) * 1000).toFixed(0)} MiB/s (${runs.map((ms) => ms.toFixed(0)).join(', ')} ms)`
    console.log(
      `64 MiB over TCP + Noise + yamux: windows not reserved ${figure(off)}, reserved ${figure(on)}, reserved with a 4 MiB peer limit ${figure(limited)}`,
    )
    // a loose bound: the machine is shared, so only a large regression fails the test
    expect(best.on).toBeLessThan(best.off * 2)
  }, 120_000)
})

function refusedMemory(host: Host): number {
  return host.resourceManager
    .stat()
    .refusals.filter((r) => r.resource === 'memory')
    .reduce((sum, r) => sum + r.count, 0)
}
