/**
 * Defect 1 of the hostile-peer review: a remote FIN while the host still has
 * output queued. Eight `/perf/1.0.0` streams ask for 1 GiB each; the
 * attacker reads for 300 ms, stops reading for 1 s (the host's Noise output
 * queues behind TCP back-pressure), sends FIN, then reads on. The host must
 * neither crash (no uncaught exception: the process would exit) nor keep
 * the queued bytes: it drains them or aborts the connection, and meanwhile an
 * honest peer's pings and fresh connections are served.
 */
import { yamux } from '@weft/yamux'
import { describe, expect, it } from 'vitest'
import { negotiatingConnection, YAMUX } from '../hostile/attacker.js'
import { type SecuredPeer, securedPeer } from '../hostile/secured-peer.js'
import { freshDials, MiB, memoryReturned, pingWhile, sleep, startPeer, useTarget } from './harness.js'

const PERF = '/perf/1.0.0'
const STREAMS = 8
const ASK = 1024 * MiB

/** an honest peer waits at most this long for one ping during the attack */
const PING_BOUND = 1_000
/** RSS after the attack and a GC, over the baseline */
const RSS_BOUND = 50 * MiB

const target = useTarget()

/** Opens `STREAMS` perf streams on a fresh connection, each asking for `ask` bytes, and counts what arrives. */
async function download(ask: number): Promise<{ peer: SecuredPeer; received: () => number }> {
  const port = Number(/\/tcp\/(\d+)/.exec(target().address.toString())?.[1])
  const peer = await securedPeer(port, YAMUX)
  const muxer = yamux({ enableKeepAlive: false })().createStreamMuxer(peer.secured)
  const connection = negotiatingConnection(muxer)
  let received = 0
  const request = new Uint8Array(8)
  new DataView(request.buffer).setBigUint64(0, BigInt(ask))
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const stream = await connection.newStream(PERF, { signal: AbortSignal.timeout(5_000) })
      stream.addEventListener('message', (evt) => {
        received += evt.data.byteLength
      })
      stream.send(request)
      await stream.close().catch(() => {})
    }),
  )
  return { peer, received: () => received }
}

describe('a remote FIN with output queued (perf, 8 × 1 GiB)', { timeout: 40_000 }, () => {
  it('the host neither crashes nor holds the queued output, and keeps serving', async () => {
    const honest = await startPeer()
    await honest.dial(target().address)
    // the baseline is a host that has served perf once, honestly (8 × 8 MiB, all read):
    // what V8 and the allocator keep after ordinary traffic is not the attack's doing
    const warmUp = await download(8 * MiB)
    const deadline = Date.now() + 10_000
    while (warmUp.received() < STREAMS * 8 * MiB && Date.now() < deadline) await sleep(20)
    expect(warmUp.received()).toBe(STREAMS * 8 * MiB)
    warmUp.peer.destroy()
    await sleep(200)
    const baseline = await target().memory()
    const pings = pingWhile(honest, target())

    for (let round = 0; round < 3; round++) {
      await sleep(100)
      // a crash shows here, by name, before the next round finds the port closed
      expect(target().processErrors()).toEqual([])
      const { peer, received } = await download(ASK)
      await sleep(300)
      peer.socket.pause()
      await sleep(1_000)
      peer.socket.end()
      peer.socket.resume()
      await sleep(500)
      expect(received()).toBeGreaterThan(0)
      peer.destroy()
    }
    await sleep(500)
    const report = await pings.stop()

    expect(target().processErrors()).toEqual([])
    expect(target().exited()).toBe(false)
    expect(report.failures).toBe(0)
    expect(report.max).toBeLessThan(PING_BOUND)
    expect(await freshDials(target(), 5)).toBe(5)
    const after = await memoryReturned(target(), baseline, RSS_BOUND)
    const over = (key: 'rss' | 'heapUsed' | 'arrayBuffers') => ((after[key] - baseline[key]) / MiB).toFixed(1)
    console.log(
      `after the attack: rss +${over('rss')} MiB, heap +${over('heapUsed')} MiB, array buffers +${over('arrayBuffers')} MiB`,
    )
    expect(after.rss - baseline.rss).toBeLessThan(RSS_BOUND)
    // nothing the attack queued is still referenced
    expect(after.arrayBuffers - baseline.arrayBuffers).toBeLessThan(8 * MiB)
  })
})
