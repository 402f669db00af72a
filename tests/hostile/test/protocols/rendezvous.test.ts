/**
 * Issue 13, defect 4: rendezvous held unbounded bytes and amplified. Each
 * registration kept a signed peer record of up to 64 KiB (only the count was
 * capped) and a DISCOVER answer had no byte cap, so a few bytes of DISCOVER
 * from a peer that does not read made the point build and hold answers of
 * megabytes, one per stream.
 *
 * Here four attackers, each a valid peer, register 200 signed records of
 * 60 KiB (allowed by the old 64 KiB envelope limit) and 200 of 7 KiB, each
 * under its own namespace (about 13 MB apiece, within the old count caps),
 * then open every rendezvous stream the point allows and send DISCOVERs for
 * 200 registrations without ever reading (each answer 12 MB from the old
 * point). Bounds: the target's array buffers (after a GC) grow less than
 * 64 MiB during the flood and stay within 16 MiB of the baseline after the
 * attackers leave (the fixed point keeps at most its 1 MiB per-peer byte cap
 * of each attacker), its RSS returns within 50 MB of the baseline, no
 * process error, an honest peer's pings stay under 1 s throughout (generous:
 * CI runs test files in parallel on two cores) and fresh peers still connect.
 * Measured before the fix: 428 MiB during the flood, 53 MiB left after.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { Message } from '@weft/rendezvous'
import { encodeLengthPrefixed, StreamReader } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { freshDials, type Memory, MiB, type Peer, pingWhile, startPeer, useTarget } from './harness.js'

const PROTOCOL = '/rendezvous/1.0.0'
const ATTACKERS = 4
const REQUESTS_PER_STREAM = 100
/** the target's per-connection limit on rendezvous streams (its default) */
const STREAMS = 8
/** under the fixed point's 8 KiB record limit: stored until the 1 MiB per-peer byte cap */
const SMALL_RECORD = 7 * 1024
const SMALL_REGISTRATIONS = 200
/** within the old 64 KiB envelope limit, over the new 8 KiB one */
const BIG_RECORD = 60 * 1024
const BIG_REGISTRATIONS = 200
/** registrations asked for by each DISCOVER: 12 MB of big records each from the old point */
const DISCOVER_LIMIT = 200n
/** MiB of array buffers the attackers may leave behind: their registrations, 1 MiB each at most */
const LEFT_BEHIND = 16

const target = useTarget()

/** A signed peer record of `peer` of at most `size` bytes (and not much less): long DNS addresses. */
async function bigRecord(peer: Peer, size: number): Promise<Uint8Array<ArrayBuffer>> {
  const label = 'a'.repeat(60)
  const name = `${label}.${label}.${label}`
  const multiaddrs = Array.from({ length: Math.ceil(size / 190) }, (_, index) =>
    multiaddr(`/dns4/${name}.${index}.example/tcp/4001`),
  )
  const seal = async (count: number): Promise<Uint8Array> =>
    (
      await RecordEnvelope.seal(
        new PeerRecord({ peerId: peer.peerId, multiaddrs: multiaddrs.slice(0, count) }),
        peer.components.privateKey,
      )
    ).marshal()
  // as many addresses as fit (a bounded number of seals)
  let keep = Math.floor((multiaddrs.length * size) / (await seal(multiaddrs.length)).byteLength)
  let bytes = await seal(keep)
  while (bytes.byteLength > size && keep > 0) bytes = await seal(--keep)
  return bytes as Uint8Array<ArrayBuffer>
}

async function send(stream: Stream, message: Message): Promise<void> {
  if (!stream.send(encodeLengthPrefixed(Message.encode(message)))) {
    await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
  }
}

/** Registers under namespaces `first`… on one stream; resolves with the statuses answered. */
async function registerMany(
  connection: Connection,
  record: Uint8Array<ArrayBuffer>,
  prefix: string,
): Promise<Array<Message.ResponseStatus | undefined>> {
  const stream = await connection.newStream(PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const reader = new StreamReader(stream, { maxBufferLength: 64 * 1024 })
  const statuses: Array<Message.ResponseStatus | undefined> = []
  try {
    const reading: Promise<void> = (async () => {
      for (let index = 0; index < REQUESTS_PER_STREAM; index++) {
        const answer = Message.decode(
          await reader.readLengthPrefixed(64 * 1024, { signal: AbortSignal.timeout(15_000) }),
        )
        statuses.push(answer.registerResponse?.status)
      }
    })()
    // a reset stream fails both loops: the writer's error is the one reported
    reading.catch(() => {})
    for (let index = 0; index < REQUESTS_PER_STREAM; index++) {
      await send(stream, {
        type: Message.MessageType.REGISTER,
        register: { ns: `${prefix}-${index}`, signedPeerRecord: record, ttl: 7200n },
      })
    }
    await reading
    await stream.close()
  } catch {
    stream.abort(new Error('attacker gave up'))
  } finally {
    reader.release()
  }
  return statuses
}

/** Opens every stream the target allows and asks each for every registration, many times, reading nothing. */
async function discoverWithoutReading(connection: Connection): Promise<Stream[]> {
  const streams: Stream[] = []
  for (let index = 0; index < STREAMS; index++) {
    try {
      const stream = await connection.newStream(PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      // never read: no 'message' listener, and the bytes pile up in the muxer's window
      const request = encodeLengthPrefixed(
        Message.encode({ type: Message.MessageType.DISCOVER, discover: { limit: DISCOVER_LIMIT } }),
      )
      for (let again = 0; again < 20; again++) stream.send(request)
      streams.push(stream)
    } catch {
      // the target refused another stream: it has enough of ours
    }
  }
  return streams
}

describe('rendezvous: stored bytes and DISCOVER answers are bounded', { timeout: 60_000 }, () => {
  it('large registrations and unread DISCOVER floods leave the host up, small and responsive', async () => {
    const honest = await startPeer()
    await honest.dial(target().address)
    await honest.services.ping.ping(target().peerId)
    const attackers = await Promise.all(Array.from({ length: ATTACKERS }, async () => startPeer()))
    // one at a time: the target upgrades at most 3 inbound connections from one address at once
    const connections: Connection[] = []
    for (const attacker of attackers) connections.push(await attacker.dial(target().address))
    const small = await Promise.all(attackers.map(async (attacker) => bigRecord(attacker, SMALL_RECORD)))
    const big = await Promise.all(attackers.map(async (attacker) => bigRecord(attacker, BIG_RECORD)))
    expect(small[0]!.byteLength).toBeGreaterThan(SMALL_RECORD - 512)
    expect(big[0]!.byteLength).toBeGreaterThan(BIG_RECORD - 512)
    const baseline = await target().memory()
    const grew = (memory: Memory): number => (memory.arrayBuffers - baseline.arrayBuffers) / MiB
    const settled = (memory: Memory): boolean =>
      grew(memory) < LEFT_BEHIND && (memory.rss - baseline.rss) / MiB < 50
    const pings = pingWhile(honest, target())

    // phase 1: every attacker registers its big record, then its small one, each under 200 namespaces
    const statuses = await Promise.all(
      connections.map(async (connection, attacker) => {
        const all: Array<Message.ResponseStatus | undefined> = []
        for (let batch = 0; batch < BIG_REGISTRATIONS / REQUESTS_PER_STREAM; batch++) {
          all.push(...(await registerMany(connection, big[attacker]!, `big-${batch}`)))
        }
        for (let batch = 0; batch < SMALL_REGISTRATIONS / REQUESTS_PER_STREAM; batch++) {
          all.push(...(await registerMany(connection, small[attacker]!, `small-${batch}`)))
        }
        return all
      }),
    )
    const accepted = statuses.flat().filter((status) => status === Message.ResponseStatus.OK).length
    const afterRegistering = await target().memory()

    // phase 2: DISCOVER for everything on every stream, never reading
    const flood = await Promise.all(connections.map(async (connection) => discoverWithoutReading(connection)))
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const duringFlood = await target().memory()
    const report = await pings.stop()

    // the attackers leave
    for (const streams of flood) for (const stream of streams) stream.abort(new Error('attacker leaves'))
    await Promise.all(attackers.map(async (attacker) => attacker.stop()))
    // the target notices the closed connections and drops what it held for them (at most 5 s)
    let after = await target().memory()
    for (let tries = 0; tries < 10 && settled(after) === false; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      after = await target().memory()
    }
    const fresh = await freshDials(target(), 3)
    // and the point still serves: an honest DISCOVER is answered in full
    const asking = await honest.dialProtocol(target().address, PROTOCOL, {
      signal: AbortSignal.timeout(5_000),
    })
    const answerReader = new StreamReader(asking)
    await send(asking, { type: Message.MessageType.DISCOVER, discover: { ns: 'small-0-1' } })
    const answer = Message.decode(
      await answerReader.readLengthPrefixed(64 * 1024, { signal: AbortSignal.timeout(5_000) }),
    ).discoverResponse
    answerReader.release()
    await asking.close()

    const summary = {
      accepted,
      registeringMiB: grew(afterRegistering).toFixed(1),
      floodMiB: grew(duringFlood).toFixed(1),
      afterMiB: grew(after).toFixed(1),
      rssAfterMiB: ((after.rss - baseline.rss) / MiB).toFixed(1),
      pingMax: Math.round(report.max),
      pingFailures: report.failures,
      fresh,
    }
    console.log('rendezvous attack', summary)

    expect(target().processErrors()).toEqual([])
    expect(target().exited()).toBe(false)
    // answers waiting to be read are capped in bytes, per peer and in all
    expect(grew(duringFlood)).toBeLessThan(64)
    // what stays after they leave: their registrations, within the per-peer byte caps
    expect(grew(after)).toBeLessThan(LEFT_BEHIND)
    expect((after.rss - baseline.rss) / MiB).toBeLessThan(50)
    expect(report.failures).toBe(0)
    // generous for a loaded 2-core machine; memory is what tells the old code apart
    expect(report.max).toBeLessThan(1000)
    expect(fresh).toBe(3)
    expect(answer?.status).toBe(Message.ResponseStatus.OK)
    expect(answer?.registrations).toHaveLength(ATTACKERS)
  })
})
