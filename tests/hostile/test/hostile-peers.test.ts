import { generateKeyPair } from '@weft/crypto'
import { mplex } from '@weft/mplex'
import { PROTOCOL_ID as MULTISTREAM } from '@weft/multistream'
import { yamux } from '@weft/yamux'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  Attacker,
  expectBoundedHeap,
  heapAfterGc,
  MPLEX,
  negotiatingConnection,
  noiseFrame,
  silentStreams,
  YAMUX,
} from './hostile/attacker.js'
import {
  assertNoConnections,
  assertServes,
  CLOSE_BOUND,
  echoThrough,
  type HostUnderTest,
  LIMITED,
  LIMITED_MAX_INBOUND,
  MAX_INCOMING_PENDING,
  NEGOTIATION_TIMEOUT,
  startHostUnderTest,
  startWellBehavedPeer,
  streamCloseError,
} from './hostile/hosts.js'
import {
  concat,
  Flag,
  FrameType,
  GoAwayCode,
  MplexType,
  mplexFrame,
  yamuxFrame,
} from './hostile/muxer-wire.js'
import { SeededRandom } from './hostile/prng.js'
import { msMessage, msMessages } from './hostile/raw-peer.js'

/** yamux's default `maxInboundStreams`, which the host under test keeps */
const YAMUX_MAX_INBOUND = 1024

/** each case draws from its own seeded source, so running one case alone replays it exactly */
const seeded = (seed: number): SeededRandom => new SeededRandom(seed)
const payload = seeded(0x77ef7).bytes(1024 * 1024)
let target: HostUnderTest
let peer: Awaited<ReturnType<typeof startWellBehavedPeer>>
let attacker: Attacker

beforeAll(async () => {
  target = await startHostUnderTest()
  attacker = new Attacker(target)
  peer = await startWellBehavedPeer()
  await assertServes(target, peer, payload)
}, 30_000)

afterAll(async () => {
  await Promise.all([peer?.stop(), target?.host.stop()])
}, 30_000)

// every case: the host lets go of everything the hostile peer touched, and still serves
afterEach(async () => {
  attacker.destroyAll()
  await assertNoConnections(target)
  await assertServes(target, peer, payload)
  await assertNoConnections(target)
  target.forget()
}, 30_000)

// vitest projects do not inherit the root testTimeout: bound each case here
describe('a listening host fed hostile input over raw TCP', { timeout: 30_000 }, () => {
  describe('before any protocol is agreed', () => {
    it('random bytes of six sizes (seeded) each end in a typed error', async () => {
      const random = seeded(0x2a2a)
      // what multistream-select makes of these bytes, read as a length-prefixed message
      const cases: Array<[size: number, error: string]> = [
        [1, 'TimeoutError'], // 0x88: the start of a varint, then nothing: a stall
        [5, 'TimeoutError'], // 0x64: 100 bytes announced, 4 sent: a stall
        [64, 'MessageTooLargeError'], // a 3-byte length prefix, far over 1024
        [1500, 'InvalidMessageError'], // a 73-byte "message" not ending in a newline
        [65_536, 'InvalidMessageError'], // the same, 117 bytes
        [1024 * 1024, 'InvalidMessageError'], // the same, 82 bytes
      ]
      const results = await Promise.all(cases.map(async ([size]) => attacker.feed([random.bytes(size)])))
      expect(results.map(({ reason }) => reason?.name)).toEqual(cases.map(([, error]) => error))
    })

    it('a silent connection is cut by the inbound upgrade timeout while other peers are served', async () => {
      const raw = await attacker.raw()
      await assertServes(target, peer, payload)
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'TimeoutError' })
      await raw.waitClosed(CLOSE_BOUND)
      expect(raw.received.byteLength).toBe(0)
    })

    it('more silent connections than maxIncomingPendingConnections: the extra ones are refused at once', async () => {
      const silent = await Promise.all(
        Array.from({ length: MAX_INCOMING_PENDING }, async () => attacker.raw()),
      )
      const deadline = Date.now() + CLOSE_BOUND
      while (!silent.every((raw) => target.admitted(raw.localPort)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const extra = await Promise.all(Array.from({ length: 3 }, async () => attacker.raw()))
      await Promise.all(extra.map(async (raw) => raw.waitClosed(CLOSE_BOUND)))
      // refused before any upgrade (TooManyConnectionsError), not timed out after one
      expect(extra.map((raw) => target.admitted(raw.localPort))).toEqual([false, false, false])
      const reasons = await Promise.all(silent.map(async (raw) => target.inboundClosed(raw.localPort)))
      expect(new Set(reasons.map((reason) => reason?.name))).toEqual(new Set(['TimeoutError']))
    })
  })

  describe('multistream-select', () => {
    it('a truncated message followed by FIN', async () => {
      const { reason } = await attacker.feed([msMessage(MULTISTREAM).subarray(0, 9)], true)
      expect(reason).toMatchObject({ name: 'NegotiationClosedError' })
    })

    it('an oversized varint length prefix (0xff 0xff 0xff 0x0f)', async () => {
      const { reason, raw } = await attacker.feed([
        Uint8Array.of(0xff, 0xff, 0xff, 0x0f),
        seeded(0x101).bytes(64),
      ])
      expect(reason).toMatchObject({ name: 'MessageTooLargeError' })
      expect(raw.received.byteLength).toBe(0)
    })

    it('a non-minimal and an over-long varint', async () => {
      const header = new TextEncoder().encode(`${MULTISTREAM}\n`)
      const nonMinimal = attacker.feed([concat([Uint8Array.of(0x80 | header.byteLength, 0x00), header])])
      const overLong = attacker.feed([
        Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
      ])
      for (const { reason } of await Promise.all([nonMinimal, overLong])) {
        expect(reason).toMatchObject({ name: 'InvalidMessageError' })
      }
    })

    it('a wrong header', async () => {
      const { reason, raw } = await attacker.feed([msMessage('/multistream/2.0.0'), msMessage('/noise')])
      expect(reason).toMatchObject({ name: 'InvalidMessageError' })
      expect(raw.received.byteLength).toBe(0)
    })

    it('hundreds of proposals the host declines, one at a time and in one burst', async () => {
      // one at a time: every answer is visible on the wire, up to the limit
      const raw = await attacker.raw()
      raw.write(msMessage(MULTISTREAM))
      let sent = 0
      for (; sent < 300 && !raw.isClosed; sent++) {
        raw.write(msMessage(`/not-spoken/${sent}`))
        const answered = sent + 2
        await raw
          .until(() => msMessages(raw.received).length >= answered, CLOSE_BOUND, `answer ${sent}`)
          .catch(() => {})
      }
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'TooManyProposalsError' })
      await raw.waitClosed(CLOSE_BOUND)
      const answers = msMessages(raw.received)
      expect(answers[0]).toBe(MULTISTREAM)
      // the default limit of 32 proposals, each answered "na"
      expect(answers.slice(1)).toEqual(Array(32).fill('na'))
      expect(sent).toBeLessThan(300)

      const burst = Array.from({ length: 300 }, (_, i) => msMessage(`/not-spoken/${i}`))
      const { reason } = await attacker.feed([concat([msMessage(MULTISTREAM), ...burst])])
      expect(reason).toMatchObject({ name: 'TooManyProposalsError' })
    })
  })

  describe('noise handshake', () => {
    it('message 1 shorter than an ephemeral key', async () => {
      const raw = await attacker.noiseAgreed()
      raw.write(noiseFrame(seeded(0x102).bytes(10)))
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'InvalidFrameError' })
      await raw.waitClosed(CLOSE_BOUND)
    })

    it('a low-order (all-zero) ephemeral key in message 1', async () => {
      const raw = await attacker.noiseAgreed()
      const before = raw.received.byteLength
      raw.write(noiseFrame(new Uint8Array(32)))
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'InvalidCryptoExchangeError' })
      await raw.waitClosed(CLOSE_BOUND)
      // no message 2 was sent
      expect(raw.received.byteLength).toBe(before)
    })

    it('message 1 cut off by FIN', async () => {
      const raw = await attacker.noiseAgreed()
      raw.write(noiseFrame(seeded(0x103).bytes(10), 32))
      raw.end()
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'UnexpectedEOFError' })
      await raw.waitClosed(CLOSE_BOUND)
    })

    it('stalled handshakes: a 65535-byte prefix with fewer bytes; message 1, then silence', async () => {
      const [short, silent] = await Promise.all([attacker.noiseAgreed(), attacker.noiseAgreed()])
      short.write(noiseFrame(seeded(0x104).bytes(1000), 65_535))
      const before = silent.received.byteLength
      silent.write(noiseFrame(seeded(0x105).bytes(32)))
      // the host answers message 1 with message 2, then waits for message 3
      await silent.until(() => silent.received.byteLength > before + 2, CLOSE_BOUND, 'noise message 2')
      for (const raw of [short, silent]) {
        expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'TimeoutError' })
        await raw.waitClosed(CLOSE_BOUND)
      }
    })

    it('garbage as message 3', async () => {
      const raw = await attacker.noiseAgreed()
      const before = raw.received.byteLength
      raw.write(noiseFrame(seeded(0x106).bytes(32)))
      const message2 = (): number =>
        raw.received.byteLength >= before + 2 ? raw.received.getUint16(before) : Number.POSITIVE_INFINITY
      await raw.until(
        () => raw.received.byteLength >= before + 2 + message2(),
        CLOSE_BOUND,
        'noise message 2',
      )
      raw.write(noiseFrame(seeded(0x107).bytes(200)))
      expect(await target.inboundClosed(raw.localPort)).toMatchObject({ name: 'InvalidCryptoExchangeError' })
      await raw.waitClosed(CLOSE_BOUND)
    })

    it('a valid handshake, then a frame that fails to decrypt or is shorter than its tag', async () => {
      const cases: Array<[frame: Uint8Array, error: string]> = [
        [noiseFrame(seeded(0x108).bytes(64)), 'DecryptionError'],
        [noiseFrame(seeded(0x10d).bytes(5)), 'InvalidFrameError'],
      ]
      for (const [frame, error] of cases) {
        const hostile = await attacker.secured()
        hostile.raw.send(frame)
        expect(await target.inboundClosed(hostile.localPort)).toMatchObject({ name: error })
        await hostile.waitClosed(CLOSE_BOUND)
      }
    })

    it('an upgraded connection, then a frame that fails to decrypt', async () => {
      const { hostile, probe } = await attacker.yamuxSession()
      hostile.raw.send(noiseFrame(seeded(0x109).bytes(64)))
      await attacker.expectConnectionFailed(hostile, probe, 'DecryptionError')
    })
  })

  describe('yamux after a real handshake', () => {
    it('a data frame larger than the granted window', async () => {
      const { hostile, frames, probe } = await attacker.yamuxSession()
      const length = 256 * 1024 + 1
      hostile.secured.send(
        yamuxFrame({ type: FrameType.Data, streamId: 1, length }, seeded(0x10a).bytes(length)),
      )
      await attacker.expectConnectionFailed(hostile, probe, 'ReceiveWindowExceededError')
      expect(frames.goAways()).toEqual([GoAwayCode.ProtocolError])
    })

    it('GoAway(protocol error) from the remote: streams and the connection close with GoAwayError', async () => {
      const { hostile, probe } = await attacker.yamuxSession()
      hostile.secured.send(
        yamuxFrame({ type: FrameType.GoAway, streamId: 0, length: GoAwayCode.ProtocolError }),
      )
      await attacker.expectConnectionFailed(hostile, probe, 'GoAwayError')
    })

    it('malformed frames: unknown type, bad version, stream id 0, wrong id parity, duplicate SYN', async () => {
      for (const header of [
        { type: 7, streamId: 1 },
        { version: 1, type: FrameType.WindowUpdate, streamId: 1 },
        { type: FrameType.WindowUpdate, streamId: 0, length: 1 },
        { type: FrameType.WindowUpdate, flags: Flag.SYN, streamId: 2 },
        { type: FrameType.WindowUpdate, flags: Flag.SYN, streamId: 1 },
      ]) {
        const { hostile, frames, probe } = await attacker.yamuxSession()
        hostile.secured.send(yamuxFrame(header))
        await attacker.expectConnectionFailed(hostile, probe, 'InvalidFrameError')
        expect(frames.goAways()).toEqual([GoAwayCode.ProtocolError])
      }
    })

    it('thousands of SYNs: streams beyond maxInboundStreams are reset, the flood closes the connection', async () => {
      const heap = heapAfterGc()
      const { hostile, frames, probe } = await attacker.yamuxSession()
      const ids = Array.from({ length: 3000 }, (_, i) => 3 + 2 * i)
      hostile.secured.send(
        concat(
          ids.map((streamId) => yamuxFrame({ type: FrameType.WindowUpdate, flags: Flag.SYN, streamId })),
        ),
      )
      await attacker.expectConnectionFailed(hostile, probe, 'TooManyInboundStreamsError')
      // the probe and the first 1023 flood streams fit; the next 1024 (max(64,
      // maxInboundStreams)) were reset one by one; the one after ended the session
      expect(frames.resets().filter((id) => id % 2 === 1)).toEqual(
        ids.slice(YAMUX_MAX_INBOUND - 1, 2 * YAMUX_MAX_INBOUND - 1),
      )
      expect(frames.goAways()).toEqual([GoAwayCode.ProtocolError])
      expect(frames.frames.at(-1)?.type).toBe(FrameType.GoAway)
      expectBoundedHeap(heap)
    })

    it('a ping flood from a peer that does not read', async () => {
      const heap = heapAfterGc()
      const { hostile, probe } = await attacker.yamuxSession()
      // we stop reading: the host's answers (Ping ACKs) pile up
      hostile.raw.pause()
      const probeClosed = streamCloseError(probe, 4 * CLOSE_BOUND)
      const pings = concat(
        Array.from({ length: 10_000 }, (_, i) =>
          yamuxFrame({ type: FrameType.Ping, flags: Flag.SYN, streamId: 0, length: i }),
        ),
      )
      const signal = AbortSignal.timeout(4 * CLOSE_BOUND)
      for (let batch = 0; batch < 200 && probe.status === 'open'; batch++) {
        if (!hostile.secured.send(pings)) await hostile.secured.onDrain({ signal }).catch(() => {})
      }
      // the queue of unsent frames is bounded (1 MiB): the session fails
      expect(await probeClosed).toMatchObject({ name: 'SendQueueFullError' })
      // a peer that does not read cannot take a graceful close: the connection is aborted at once
      expect(await target.connectionClosed(hostile.localPort, CLOSE_BOUND)).toMatchObject({
        name: 'SendQueueFullError',
      })
      // the abort resets the socket; a paused reader may notice only once it reads again
      if (hostile.raw.readStatus === 'paused') hostile.raw.resume()
      await hostile.waitClosed(CLOSE_BOUND)
      expectBoundedHeap(heap)
    })

    it('streams that open and send nothing are reset; the connection stays', async () => {
      const { hostile, frames, probe } = await attacker.yamuxSession()
      const ids = Array.from({ length: 64 }, (_, i) => 3 + 2 * i)
      hostile.secured.send(
        concat(
          ids.map((streamId) => yamuxFrame({ type: FrameType.WindowUpdate, flags: Flag.SYN, streamId })),
        ),
      )
      const deadline = Date.now() + NEGOTIATION_TIMEOUT + CLOSE_BOUND
      while (frames.resets().filter((id) => id % 2 === 1).length < ids.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // (the host's own identify stream, an even id, may be reset too once identify times out)
      expect(
        frames
          .resets()
          .filter((id) => id % 2 === 1)
          .sort((a, b) => a - b),
      ).toEqual(ids)
      expect(frames.goAways()).toEqual([])
      expect(target.host.getConnections()).toHaveLength(1)
      expect(target.host.getConnections()[0]?.status).toBe('open')
      expect(probe.status).toBe('open')
      expect(hostile.isClosed()).toBe(false)
    })
  })

  describe('mplex after a real handshake', () => {
    it('a frame larger than maxMessageSize', async () => {
      const { hostile, probe } = await attacker.mplexSession()
      hostile.secured.send(
        mplexFrame(0, MplexType.MessageInitiator, seeded(0x10b).bytes(16), 2 * 1024 * 1024),
      )
      await attacker.expectConnectionFailed(hostile, probe, 'FrameTooLargeError')
    })

    it('malformed frames: unknown flag, over-long header varint, NewStream for an open stream', async () => {
      for (const frame of [
        Uint8Array.of(0x07, 0x00),
        Uint8Array.of(0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
        mplexFrame(0, MplexType.NewStream),
      ]) {
        const { hostile, probe } = await attacker.mplexSession()
        hostile.secured.send(frame)
        await attacker.expectConnectionFailed(hostile, probe, 'InvalidFrameError')
      }
    })

    it('thousands of NewStream frames', async () => {
      const heap = heapAfterGc()
      const { hostile, probe } = await attacker.mplexSession()
      const frames = Array.from({ length: 3000 }, (_, i) =>
        mplexFrame(i + 1, MplexType.NewStream, new TextEncoder().encode(String(i + 1))),
      )
      hostile.secured.send(concat(frames))
      await attacker.expectConnectionFailed(hostile, probe, 'TooManyStreamResetsError')
      expectBoundedHeap(heap)
    })
  })

  describe('through a well-behaved muxer', () => {
    it('thousands of streams that never negotiate are reset by the negotiation timeout', async () => {
      const heap = heapAfterGc()
      const yamuxPeer = await attacker.secured(YAMUX)
      const yamuxMuxer = yamux({ enableKeepAlive: false })().createStreamMuxer(yamuxPeer.secured)
      const mplexPeer = await attacker.secured(MPLEX)
      const mplexMuxer = mplex({ maxOutboundStreams: 4096 })().createStreamMuxer(mplexPeer.secured)
      // yamux: the dialer's ACK backlog lets 256 wait at once, so 1024 come in four waves;
      // mplex: 2000 at once, 1024 admitted (reset on timeout) and 976 refused at once
      const [viaYamux, viaMplex] = await Promise.all([
        silentStreams(yamuxMuxer, 1024),
        silentStreams(mplexMuxer, 2000),
      ])
      expect(new Set(viaYamux)).toEqual(new Set(['StreamResetError']))
      expect(new Set(viaMplex)).toEqual(new Set(['StreamResetError']))
      // only the streams were touched: both connections still work
      const signal = AbortSignal.timeout(20_000)
      await echoThrough(negotiatingConnection(yamuxMuxer), payload, signal)
      await echoThrough(negotiatingConnection(mplexMuxer), payload, signal)
      expect(target.host.getConnections()).toHaveLength(2)
      expect(yamuxPeer.isClosed() || mplexPeer.isClosed()).toBe(false)
      expectBoundedHeap(heap)
    })

    it('more streams to one protocol than its maxInboundStreams', async () => {
      const connection = await peer.dial(target.address)
      const signal = AbortSignal.timeout(20_000)
      const opened = await Promise.allSettled(
        Array.from({ length: 10 }, async () => connection.newStream(LIMITED, { signal })),
      )
      const outcomes = await Promise.all(
        opened.map(async (result) => {
          try {
            if (result.status === 'rejected') throw result.reason
            await echoThrough({ newStream: async () => result.value }, seeded(0x10c).bytes(64), signal)
            return 'echoed'
          } catch (err) {
            return (err as Error).name
          }
        }),
      )
      expect(outcomes.filter((outcome) => outcome === 'echoed')).toHaveLength(LIMITED_MAX_INBOUND)
      // the others were reset by the host right after the protocol echo
      for (const outcome of outcomes.filter((outcome) => outcome !== 'echoed')) {
        expect(['StreamResetError', 'StreamStateError']).toContain(outcome)
      }
      const reset = opened.filter((result) => result.status === 'rejected' || result.value.status === 'reset')
      expect(reset).toHaveLength(10 - LIMITED_MAX_INBOUND)
      expect(await peer.services.ping.ping(target.address, { signal })).toBeGreaterThanOrEqual(0)
      expect(peer.getConnections(target.host.peerId)).toEqual([connection])
      await peer.hangUp(target.host.peerId, { signal })
    })
  })

  it('afterwards, maxIncomingPendingConnections peers upgrade at once: no upgrade slot leaked', async () => {
    // distinct peers, each with a key of its own: one peer id may hold only the
    // resource manager's per-peer connection limit, not this test's subject
    const peers = await Promise.all(
      Array.from({ length: MAX_INCOMING_PENDING }, async () =>
        attacker.secured(YAMUX, { privateKey: await generateKeyPair('Ed25519') }),
      ),
    )
    const connections = await Promise.all(peers.map(async (hostile) => target.connection(hostile.localPort)))
    expect(connections.map((connection) => connection.status)).toEqual(
      Array(MAX_INCOMING_PENDING).fill('open'),
    )
  })
})
