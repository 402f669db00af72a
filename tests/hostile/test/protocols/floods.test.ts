/**
 * Floods (issue 22): connections from many source addresses, streams, slow
 * readers and relay reservations, each against the same target with its
 * configured limits, while an honest peer, connected before the flood,
 * pings it every 25 ms. Each test states its budget: what the limit lets
 * the target hold, and how far its RSS (sampled during the flood, without a
 * GC) may rise over its baseline; afterwards nothing the attackers made is
 * left. DHT query floods and pubsub spam are kad-dht.test.ts and
 * gossipsub.test.ts.
 *
 * The ping bound: an unloaded round trip here is about 1 ms; a starved
 * target (the DHT defect of issue 13) misses pings for seconds. The honest
 * peer runs in a process of its own (the attackers' Noise handshakes stall
 * this one for up to a second), but three busy processes share a 2-core
 * machine with other work, so p99 < 500 ms tells "served" from "starved"
 * without failing on scheduler noise.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { HOP_PROTOCOL, reserve } from '@weft/circuit-relay'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType, YamuxFrameLog, yamuxFrame } from '../hostile/muxer-wire.js'
import { onPlaintext, type SecuredPeer } from '../hostile/secured-peer.js'
import { connectFrom, holdConnections, muxedConnection, pool, sourceAddress, stall } from './flood-peers.js'
import {
  describePings,
  freshDials,
  type Memory,
  MiB,
  type PingReport,
  percentile,
  pingApart,
  sampleWhile,
  sleep,
  type Usage,
  type UsagePeak,
  usageWhen,
  useTarget,
} from './harness.js'

/** honest pings: every one succeeds, p99 under this (see above) */
const PING_P99_BOUND = 500
const PING_INTERVAL = 25

// the target's limits: the host's defaults, apart from these
const MAX_CONNECTIONS = 128
/** host defaults: inbound upgrades pending at once, and their timeout */
const MAX_PENDING = 10
const UPGRADE_TIMEOUT = 3_000
/** ping's default per-connection inbound stream limit; yamux's per-session one */
const PING_MAX_INBOUND = 2
const YAMUX_MAX_INBOUND = 1024
const MAX_RESERVATIONS = 32
const MAX_RESERVATIONS_PER_IP = 4

const target = useTarget({
  connectionManager: { maxConnections: MAX_CONNECTIONS },
  services: { relay: { maxReservations: MAX_RESERVATIONS, maxReservationsPerIp: MAX_RESERVATIONS_PER_IP } },
})

interface Measured<T> {
  name: string
  rssBudget: number
  result: T
  baseline: Memory
  before: Usage
  pings: PingReport
  peak: UsagePeak
  /** this process's own event-loop stall, ms: the pinger shares it with the attackers */
  ownStall: number
}

/** Runs `attack` with an honest peer pinging the target and its usage sampled, and prints the figures. */
async function underFlood<T>(
  name: string,
  rssBudget: number,
  attack: () => Promise<T>,
): Promise<Measured<T>> {
  const pings = await pingApart(target(), PING_INTERVAL)
  await sleep(300)
  const baseline = await target().memory()
  const before = await target().usage()
  const ownLoop = monitorEventLoopDelay({ resolution: 10 })
  ownLoop.enable()
  const sampler = sampleWhile(target())
  const result = await attack()
  const peak = await sampler.stop()
  const report = await pings.stop()
  ownLoop.disable()
  const ownStall = ownLoop.max / 1e6
  console.log(
    `FLOOD ${name}: rss budget ${rssBudget / MiB} MiB, max growth ${((peak.rss - baseline.rss) / MiB).toFixed(1)} MiB ` +
      `(${peak.samples} samples, peak ${peak.connections} connections, ${peak.streams} streams, ` +
      `${peak.reservations} reservations); honest ${describePings(report)}; ` +
      `test process stalled up to ${ownStall.toFixed(0)} ms`,
  )
  return { name, rssBudget, result, baseline, before, pings: report, peak, ownStall }
}

/** The honest peer was served all along, and the target's RSS stayed within the budget during the flood. */
function expectServed(measured: Measured<unknown>): void {
  const { pings, peak, baseline, rssBudget } = measured
  expect(target().processErrors()).toEqual([])
  expect(target().exited()).toBe(false)
  expect(pings.errors).toEqual([])
  expect(pings.failures).toBe(0)
  expect(pings.rtts.length).toBeGreaterThan(20)
  expect(percentile(pings.rtts, 99)).toBeLessThan(PING_P99_BOUND)
  expect(peak.rss - baseline.rss).toBeLessThan(rssBudget)
}

/** After the attackers left: connections, streams and reservations back to what they were before the flood. */
async function expectNothingLeft(before: Usage): Promise<void> {
  const after = await usageWhen(
    target(),
    (usage) =>
      usage.connections <= before.connections &&
      usage.streams <= before.streams + 2 &&
      usage.reservations === 0,
  )
  expect(after.connections).toBeLessThanOrEqual(before.connections)
  expect(after.streams).toBeLessThanOrEqual(before.streams + 2)
  expect(after.reservations).toBe(0)
  expect(await freshDials(target(), 2)).toBe(2)
}

describe('floods against one target, an honest peer pinging throughout', { timeout: 60_000 }, () => {
  it('connections from 64 source addresses: stalled handshakes, then idle connections past maxConnections', async () => {
    const SOURCES = 64
    const STALLS_PER_SOURCE = 2
    const HELD_PER_SOURCE = 3
    const RSS_BUDGET = 64 * MiB
    const measured = await underFlood('connections', RSS_BUDGET, async () => {
      // 1. stalls: 128 handshakes stopped after the /noise proposal
      const stallers = await pool(SOURCES * STALLS_PER_SOURCE, 32, async (i) =>
        stall(target(), sourceAddress(1, i % SOURCES)),
      )
      await sleep(1_000)
      const stalledAtOnce = stallers.filter((s) => !s.isClosed()).length
      // a fresh peer while stalls hold every upgrade slot: logged, not asserted; the cap is
      // host-wide, so newcomers are turned away until the upgrade timeout (README, findings)
      const freshDuringStall = await freshDials(target(), 1, 1_500)
      await Promise.race([Promise.all(stallers.map(async (s) => s.closed)), sleep(UPGRADE_TIMEOUT + 3_000)])
      const stallsLeft = stallers.filter((s) => !s.isClosed()).length
      for (const s of stallers) s.socket.destroy()
      // 2. idle connections: each source tries for 3, one at a time, more than maxConnections in all
      const deadline = Date.now() + 12_000
      const held = (
        await pool(SOURCES, SOURCES, async (i) =>
          holdConnections(target(), sourceAddress(1, i), HELD_PER_SOURCE, 30, deadline),
        )
      ).flat()
      await sleep(1_000)
      const heldOpen = held.filter((peer) => !peer.isClosed()).length
      for (const peer of held) peer.destroy()
      return { stalledAtOnce, freshDuringStall, stallsLeft, handshakes: held.length, heldOpen }
    })
    const { result, before, peak } = measured
    console.log(
      `connection flood: ${result.stalledAtOnce} of ${SOURCES * STALLS_PER_SOURCE} stalls held at once, ` +
        `${result.stallsLeft} left after the upgrade timeout, fresh honest dials during the stall: ` +
        `${result.freshDuringStall} of 1; ${result.handshakes} handshakes completed, ${result.heldOpen} held open`,
    )
    expectServed(measured)
    // the pending-upgrade cap held the stalls, and the upgrade timeout ended them
    expect(result.stalledAtOnce).toBeLessThanOrEqual(MAX_PENDING)
    expect(result.stallsLeft).toBe(0)
    // the connection cap held: the flood filled it, and no more
    expect(peak.connections).toBeLessThanOrEqual(MAX_CONNECTIONS)
    expect(result.heldOpen).toBeLessThanOrEqual(MAX_CONNECTIONS - before.connections)
    expect(result.heldOpen).toBeGreaterThanOrEqual(MAX_CONNECTIONS - before.connections - MAX_PENDING)
    await expectNothingLeft(before)
  })

  it('streams opened as fast as one peer can and never closed', async () => {
    const RSS_BUDGET = 48 * MiB
    const NEGOTIATED = 600
    const SILENT = 1_500
    const measured = await underFlood('streams', RSS_BUDGET, async () => {
      // negotiated ping streams, 16 in flight at a time, none closed
      const pinger = await connectFrom(target(), sourceAddress(3, 1))
      if (pinger == null) throw new Error('the stream attacker could not connect')
      const connection = muxedConnection(pinger, 4_096)
      const streams = (
        await pool(NEGOTIATED, 16, async () =>
          connection
            .newStream('/ipfs/ping/1.0.0', { signal: AbortSignal.timeout(5_000) })
            .catch(() => undefined),
        )
      ).filter((stream) => stream != null)
      // raw SYNs, never negotiated: a hostile opener ignores the ACK backlog a polite one waits on
      const silent = await connectFrom(target(), sourceAddress(3, 2))
      if (silent == null) throw new Error('the silent attacker could not connect')
      const frames = new YamuxFrameLog()
      onPlaintext(silent, (chunk) => frames.push(chunk))
      await openRawStreams(silent, SILENT)
      // hold them: the target keeps un-negotiated streams up to its 10 s negotiation timeout
      await sleep(3_000)
      const pingOpen = streams.filter((stream) => stream.status === 'open').length
      const resets = frames.frames.filter((f) => (f.flags & Flag.RST) !== 0).length
      pinger.destroy()
      silent.destroy()
      return { negotiated: streams.length, pingOpen, resets }
    })
    const { result, before, peak } = measured
    console.log(
      `stream flood: ${result.negotiated} ping streams negotiated, ${result.pingOpen} still open; ` +
        `${SILENT} raw SYNs, ${result.resets} reset; target peak ${peak.streams} streams`,
    )
    // the honest peer's own ping streams must not pay for another peer's flood (README, findings:
    // the resource manager's transient scope, 128 inbound streams host-wide, is one peer's to fill)
    expectServed(measured)
    expect(result.pingOpen).toBeLessThanOrEqual(PING_MAX_INBOUND)
    expect(result.resets).toBeGreaterThanOrEqual(SILENT - YAMUX_MAX_INBOUND)
    // both attack connections together: yamux's cap on the silent one, ping's and the in-flight ones on the other
    expect(peak.streams).toBeLessThanOrEqual(before.streams + YAMUX_MAX_INBOUND + PING_MAX_INBOUND + 16 + 4)
    await expectNothingLeft(before)
  })

  it('slow readers: perf downloads of 1 GiB each that are never read', async () => {
    const READERS = 4
    const STREAMS = 8
    const HOLD_MS = 4_000
    const RSS_BUDGET = 48 * MiB
    const measured = await underFlood('slow readers', RSS_BUDGET, async () => {
      const readers: SecuredPeer[] = []
      let received = 0
      for (let i = 0; i < READERS; i++) {
        const peer = await connectFrom(target(), sourceAddress(4, i))
        if (peer == null) throw new Error('a slow reader could not connect')
        readers.push(peer)
        const connection = muxedConnection(peer)
        const request = new Uint8Array(8)
        new DataView(request.buffer).setBigUint64(0, BigInt(1024 * MiB))
        // all at once, then pause: a reader that never reads takes only what arrives meanwhile
        await Promise.all(
          Array.from({ length: STREAMS }, async () => {
            const stream = await connection.newStream('/perf/1.0.0', { signal: AbortSignal.timeout(5_000) })
            stream.addEventListener('message', (evt) => {
              received += evt.data.byteLength
            })
            stream.send(request)
            await stream.close().catch(() => {})
          }),
        )
        // never read again: the target's writes fill yamux's window and the socket buffers, then wait
        peer.socket.pause()
      }
      await sleep(HOLD_MS)
      for (const peer of readers) peer.destroy()
      return { received }
    })
    const { result, before } = measured
    console.log(`slow readers: ${(result.received / MiB).toFixed(1)} MiB read before they stopped reading`)
    expectServed(measured)
    await expectNothingLeft(before)
  })

  it('relay reservations from 88 fresh identities on 41 addresses', async () => {
    const SAME_IP = 8
    const SOURCES = 40
    const PER_SOURCE = 2
    const RSS_BUDGET = 32 * MiB
    const measured = await underFlood('relay reservations', RSS_BUDGET, async () => {
      const peers: SecuredPeer[] = []
      const tryReserve = async (localAddress: string): Promise<boolean> => {
        const peer = await connectFrom(target(), localAddress)
        if (peer == null) return false
        peers.push(peer)
        try {
          await reserve(muxedConnection(peer).asConnection(), { signal: AbortSignal.timeout(5_000) })
          return true
        } catch {
          return false
        }
      }
      // one address, many identities: the per-IP cap; one at a time, as the per-address upgrade cap wants
      let sameIpGranted = 0
      for (let i = 0; i < SAME_IP; i++) if (await tryReserve(sourceAddress(5, 0))) sameIpGranted++
      const spread = await pool(SOURCES * PER_SOURCE, 8, async (i) =>
        tryReserve(sourceAddress(5, 1 + (i % SOURCES))),
      )
      const granted = sameIpGranted + spread.filter(Boolean).length
      const held = (await target().usage()).reservations
      for (const peer of peers) peer.destroy()
      return { sameIpGranted, granted, held, connected: peers.length }
    })
    const { result, before, peak } = measured
    console.log(
      `relay flood (${HOP_PROTOCOL}): ${result.connected} connected, ${result.granted} reservations granted ` +
        `(${result.sameIpGranted} of ${SAME_IP} from one address), ${result.held} held at the end`,
    )
    expectServed(measured)
    expect(result.sameIpGranted).toBe(MAX_RESERVATIONS_PER_IP)
    expect(result.granted).toBe(MAX_RESERVATIONS)
    expect(peak.reservations).toBeLessThanOrEqual(MAX_RESERVATIONS)
    await expectNothingLeft(before)
  })
})

/** Opens `count` yamux streams on `peer` with bare SYN frames (ids 1, 3, 5, …), writing as fast as the socket takes them. */
async function openRawStreams(peer: SecuredPeer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const frame = yamuxFrame({
      type: FrameType.WindowUpdate,
      flags: Flag.SYN,
      streamId: 2 * i + 1,
      length: 0,
    })
    if (!peer.secured.send(frame)) await peer.secured.onDrain({ signal: AbortSignal.timeout(5_000) })
  }
}
