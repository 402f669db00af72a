/**
 * ChannelData and TCP framing (RFC 8656 §12.4, §12.5), and the bad-input
 * properties: any bytes end in frames or a `MalformedFrameError`, the framer
 * never holds more than one largest frame, and a live client flooded with
 * random datagrams carries on.
 */
import { encodeMessage, MAX_MESSAGE_LENGTH, newTransactionId } from '@weft/stun'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { streamFrameLength } from '../src/framing.js'
import {
  decodeChannelData,
  encodeChannelData,
  MalformedFrameError,
  StreamFramer,
  TurnClient,
} from '../src/index.js'
import { FakeTurnServer } from './fake-turn-server.js'

const stun = (): Uint8Array =>
  encodeMessage({ method: 0x003, class: 'request', transactionId: newTransactionId(), attributes: [] })

describe('ChannelData', () => {
  it('round-trips, padded to four bytes over TCP and not over UDP', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5)
    const udp = encodeChannelData(0x4001, data, false)
    const tcp = encodeChannelData(0x4001, data, true)
    expect(udp).toHaveLength(9)
    expect(tcp).toHaveLength(12)
    expect(decodeChannelData(udp)).toEqual({ channel: 0x4001, data })
    expect(decodeChannelData(tcp)).toEqual({ channel: 0x4001, data })
  })

  it('refuses reserved channels and lengths the frame does not hold', () => {
    expect(() => encodeChannelData(0x3fff, new Uint8Array(0), false)).toThrow(RangeError)
    expect(() => encodeChannelData(0x5000, new Uint8Array(0), false)).toThrow(RangeError)
    expect(() => decodeChannelData(Uint8Array.of(0x50, 0, 0, 0))).toThrow(MalformedFrameError)
    expect(() => decodeChannelData(Uint8Array.of(0x40, 0, 0, 8, 1, 2))).toThrow(MalformedFrameError)
    expect(() => decodeChannelData(Uint8Array.of(0x40, 0, 0, 0, 1, 2, 3, 4))).toThrow(MalformedFrameError)
  })

  it('decoding any bytes returns a frame or throws MalformedFrameError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          const frame = decodeChannelData(bytes)
          expect(frame.data.length).toBeLessThanOrEqual(bytes.length - 4)
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedFrameError)
        }
      }),
    )
  })
})

describe('StreamFramer', () => {
  it('cuts STUN messages and padded ChannelData however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 40 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (items, cuts) => {
          const frames = items.map((item) => (item == null ? stun() : encodeChannelData(0x4000, item, true)))
          const stream = Uint8Array.from(frames.flatMap((f) => Array.from(f)))
          const framer = new StreamFramer()
          const out: Uint8Array[] = []
          let offset = 0
          for (let i = 0; offset < stream.length; i++) {
            const size = cuts[i % cuts.length]!
            out.push(...framer.push(stream.subarray(offset, offset + size)))
            offset += size
          }
          expect(out).toEqual(frames)
          expect(framer.take()).toHaveLength(0)
        },
      ),
    )
  })

  it('any bytes end in frames or MalformedFrameError, holding only an incomplete frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        let framer = new StreamFramer()
        for (const chunk of chunks) {
          try {
            framer.push(chunk)
          } catch (err) {
            expect(err).toBeInstanceOf(MalformedFrameError)
            framer = new StreamFramer()
            continue
          }
          // what stays behind is shorter than the frame its header announces
          const held = framer.take()
          if (held.length >= 4) {
            const length = streamFrameLength(held)
            expect(held.length).toBeLessThan(length)
            expect(length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH)
          }
          framer.push(held)
        }
      }),
    )
  })

  it('refuses a frame that is neither STUN nor ChannelData', () => {
    expect(() => new StreamFramer().push(Uint8Array.of(0x80, 0, 0, 4))).toThrow(MalformedFrameError)
    expect(() => new StreamFramer().push(Uint8Array.of(0x00, 1, 0, 5))).toThrow(MalformedFrameError)
  })
})

describe('a flooded client', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('ignores a thousand random datagrams and STUN-shaped junk, then still works', async () => {
    const server = await FakeTurnServer.start({ users: { alice: 'secret' } })
    cleanups.push(() => server.close())
    const client = new TurnClient({
      server: { address: '127.0.0.1', port: server.port },
      credentials: { username: 'alice', password: 'secret' },
      rto: 50,
    })
    cleanups.push(() => client.close())
    await client.allocate()
    const to = server.received[0]!.from
    const junk = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        // a STUN header with the cookie and random attributes
        fc.uint8Array({ minLength: 0, maxLength: 60 }).map((body) => {
          const padded = new Uint8Array((body.length + 3) & ~3)
          padded.set(body)
          const header = Uint8Array.of(
            0x01,
            0x13,
            padded.length >> 8,
            padded.length & 0xff,
            0x21,
            0x12,
            0xa4,
            0x42,
          )
          return Uint8Array.from([...header, ...newTransactionId(), ...padded])
        }),
        // ChannelData on random channels and lengths
        fc.uint8Array({ minLength: 4, maxLength: 40 }).map((b) => {
          b[0] = 0x40 | (b[0]! & 0x3f)
          return b
        }),
      ),
      1_000,
    )
    const events: unknown[] = []
    client.addEventListener('data', (evt) => events.push(evt.detail))
    for (const bytes of junk) server.send(bytes, to)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(events).toEqual([])
    // still answers
    await client.createPermission({ family: 4, address: '127.0.0.1', port: 1 })
    expect(client.allocation).toBeDefined()
  })
})
