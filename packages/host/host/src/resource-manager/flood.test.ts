/**
 * Floods against a host with small limits, on TCP loopback: one peer opens
 * streams as fast as it can and several peers (plus extra connections of the
 * first) open connections, while an honest peer pings. The flood is refused
 * by the named scopes, the honest peer's ping p99 stays under PING_P99_BOUND,
 * and the test process's RSS grows by less than RSS_BUDGET meanwhile (every
 * host runs in this one process, so the figure bounds flooders and target
 * together).
 */
import type { Stream } from '@libp2p/interface'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { stopAll, tcpHost } from '../../test/fixtures/hosts.js'
import { readAll } from '../../test/fixtures/peer.js'
import type { Host } from '../host.js'

afterEach(stopAll)

const HOLD = '/hold/1.0.0'
const PING = '/ipfs/ping/1.0.0'
const PING_P99_BOUND = 500
const RSS_BUDGET = 96 * 1024 * 1024
const FLOOD_MS = 3_000
const STREAMS_PER_PEER = 16
const INBOUND_CONNECTIONS = 6
const FLOOD_WORKERS = 16

/** Echoes 32-byte pings until the remote ends the stream (the ping protocol's shape). */
function pong(stream: Stream): void {
  stream.addEventListener('message', (evt) => stream.send(evt.data))
  stream.addEventListener('remoteCloseWrite', () => void stream.close().catch(() => {}))
}

async function ping(host: Host, target: Host): Promise<number> {
  const started = performance.now()
  const stream = await host.dialProtocol(target.getMultiaddrs(), PING)
  stream.send(new Uint8Array(32).fill(7))
  await stream.close()
  const text = await readAll(stream)
  if (text.length !== 32) throw new Error(`ping answered ${text.length} bytes`)
  return performance.now() - started
}

function refusals(host: Host, scope: string, resource: string): number {
  return (
    host.resourceManager.stat().refusals.find((r) => r.scope === scope && r.resource === resource)?.count ?? 0
  )
}

/**
 * Opens streams (FLOOD_WORKERS in flight) until `deadline`; counts outcomes.
 * The flooder shares this process's event loop with the target and the honest
 * peer, so each worker yields a few ms after a refusal: flat out, it would
 * measure the test's own event loop rather than the target's admission.
 */
async function streamFlood(flooder: Host, target: Host, deadline: number) {
  const outcome = { opened: 0, failed: 0 }
  const worker = async (): Promise<void> => {
    for (let attempts = 0; attempts < 1_000 && performance.now() < deadline; attempts++) {
      try {
        await flooder.dialProtocol(target.getMultiaddrs(), HOLD)
        outcome.opened++
      } catch {
        outcome.failed++
        await delay(5)
      }
    }
  }
  await Promise.all(Array.from({ length: FLOOD_WORKERS }, worker))
  return outcome
}

/** Each of `flooders` dials `target` again and again (forced new connections) until `deadline`. */
async function connectionFlood(flooders: Host[], target: Host, deadline: number) {
  const outcome = { opened: 0, failed: 0 }
  await Promise.all(
    flooders.map(async (flooder) => {
      for (let attempts = 0; attempts < 200 && performance.now() < deadline; attempts++) {
        try {
          await flooder.dial(target.getMultiaddrs(), { force: true })
          outcome.opened++
        } catch {
          outcome.failed++
        }
        await delay(10)
      }
    }),
  )
  return outcome
}

describe('floods against a host with small limits', () => {
  it('refuses stream and connection floods with named scopes while an honest ping stays fast', async () => {
    const target = await tcpHost({
      resources: {
        peer: { streamsInbound: STREAMS_PER_PEER, connections: 3 },
        system: { connectionsInbound: INBOUND_CONNECTIONS },
      },
    })
    await target.handle(HOLD, (stream) => void readAll(stream).catch(() => {}))
    await target.handle(PING, pong)
    const honest = await tcpHost()
    const streamFlooder = await tcpHost()
    const connectionFlooders = await Promise.all(Array.from({ length: 4 }, async () => tcpHost()))
    await honest.dial(target.getMultiaddrs())
    await ping(honest, target)

    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    let peakStreams = 0
    let peakInbound = 0
    const deadline = performance.now() + FLOOD_MS
    const sampler = (async () => {
      while (performance.now() < deadline) {
        const stat = target.resourceManager.stat()
        peakStreams = Math.max(
          peakStreams,
          stat.peers[streamFlooder.peerId.toString()]?.usage.streamsInbound ?? 0,
        )
        peakInbound = Math.max(peakInbound, stat.system.usage.connectionsInbound)
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
        await delay(25)
      }
    })()
    const rtts: number[] = []
    const pinger = (async () => {
      while (performance.now() < deadline) {
        rtts.push(await ping(honest, target))
        await delay(20)
      }
    })()
    const [streams, connections] = await Promise.all([
      streamFlood(streamFlooder, target, deadline),
      connectionFlood(connectionFlooders, target, deadline),
      sampler,
      pinger,
    ])

    rtts.sort((a, b) => a - b)
    const p99 = rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] ?? Number.POSITIVE_INFINITY
    const growth = rssPeak - rssBefore
    console.log(
      `flood: streams ${JSON.stringify(streams)}, connections ${JSON.stringify(connections)}, ` +
        `refusals ${JSON.stringify(target.resourceManager.stat().refusals)}, ` +
        `pings ${rtts.length} p50 ${rtts[Math.floor(rtts.length / 2)]?.toFixed(1)} ms p99 ${p99.toFixed(1)} ms, ` +
        `peak flooder streams ${peakStreams}, peak inbound connections ${peakInbound}, ` +
        `RSS growth ${(growth / 1024 / 1024).toFixed(1)} MiB`,
    )
    expect(rtts.length).toBeGreaterThan(10)
    expect(p99).toBeLessThan(PING_P99_BOUND)
    expect(growth).toBeLessThan(RSS_BUDGET)
    // the flood was refused by the scopes named, and never held more than they allow
    expect(refusals(target, 'peer', 'streamsInbound')).toBeGreaterThan(0)
    expect(peakStreams).toBeLessThanOrEqual(STREAMS_PER_PEER)
    expect(
      refusals(target, 'system', 'connectionsInbound') + refusals(target, 'peer', 'connections'),
    ).toBeGreaterThan(0)
    expect(peakInbound).toBeLessThanOrEqual(INBOUND_CONNECTIONS)
    expect(connections.failed).toBeGreaterThan(0)
  })
})
