import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { FrameDecoder } from './decoder.js'
import { MessageType } from './frame.js'
import { FrameWriter } from './frame-writer.js'

function fakeConnection(accept: () => boolean = () => true): { conn: MessageStream; sends: Uint8Array[] } {
  const sends: Uint8Array[] = []
  const conn = {
    send(data: Uint8Array | Uint8ArrayList) {
      sends.push(data instanceof Uint8Array ? data : data.subarray())
      return accept()
    },
  } as unknown as MessageStream
  return { conn, sends }
}

const tick = async (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('FrameWriter', () => {
  it('coalesces the frames written in one tick into one send', async () => {
    const { conn, sends } = fakeConnection()
    const writer = new FrameWriter(conn, () => {})
    writer.write(0, MessageType.NewStream, new TextEncoder().encode('0'))
    writer.write(0, MessageType.MessageInitiator, new Uint8ArrayList(new Uint8Array(1000).fill(3)))
    writer.write(0, MessageType.CloseInitiator)
    expect(sends).toHaveLength(0)
    await tick()
    expect(sends).toHaveLength(1)
    const frames: Array<[number, number, number]> = []
    new FrameDecoder(2000).decode(sends[0]!, (id, type, body) => frames.push([id, type, body.byteLength]))
    expect(frames).toEqual([
      [0, 0, 1],
      [0, 2, 1000],
      [0, 4, 0],
    ])
  })

  it('keeps the frames of writers that share the slab apart, across slab replacements', async () => {
    const a = fakeConnection()
    const b = fakeConnection()
    const writerA = new FrameWriter(a.conn, () => {})
    const writerB = new FrameWriter(b.conn, () => {}, Number.POSITIVE_INFINITY)
    // interleaved, 1 000-byte inline bodies: several 64 KiB slabs fill up
    for (let i = 0; i < 150; i++) {
      writerA.write(1, MessageType.MessageInitiator, new Uint8Array(1000).fill(i & 0xff))
      writerB.write(2, MessageType.MessageReceiver, new Uint8Array(999).fill((i + 1) & 0xff))
    }
    await tick()
    for (const [{ sends }, id, length, shift] of [
      [a, 1, 1000, 0],
      [b, 2, 999, 1],
    ] as const) {
      const frames: Array<[number, number, number]> = []
      for (const sent of sends) {
        new FrameDecoder(2000).decode(sent, (frameId, _type, body) =>
          frames.push([frameId, body.byteLength, body.subarray()[0]!]),
        )
      }
      expect(frames).toHaveLength(150)
      expect(frames).toEqual(frames.map((_, i) => [id, length, (i + shift) & 0xff]))
    }
  })

  it('sends at once past the threshold', () => {
    const { conn, sends } = fakeConnection()
    const writer = new FrameWriter(conn, () => {}, 1024)
    writer.write(1, MessageType.MessageReceiver, new Uint8Array(2000))
    expect(sends).toHaveLength(1)
    expect(writer.pendingBytes).toBe(0)
  })

  it('reports back-pressure until the connection drains', () => {
    const { conn } = fakeConnection(() => false)
    const writer = new FrameWriter(conn, () => {}, 10)
    expect(writer.write(1, MessageType.MessageReceiver, new Uint8Array(100))).toBe(false)
    expect(writer.blocked).toBe(true)
    writer.blocked = false
    expect(writer.write(1, MessageType.MessageReceiver, new Uint8Array(1))).toBe(true)
  })

  it('reports a connection that throws, outside the caller', async () => {
    const conn = {
      send() {
        throw new Error('closed')
      },
    } as unknown as MessageStream
    const errors: Error[] = []
    const writer = new FrameWriter(conn, (err) => errors.push(err), 1)
    writer.write(1, MessageType.MessageReceiver, new Uint8Array(10))
    expect(errors).toHaveLength(0)
    await tick()
    expect(errors.map((err) => err.message)).toEqual(['closed'])
    expect(writer.write(1, MessageType.MessageReceiver, new Uint8Array(10))).toBe(false)
  })

  it('never rewrites bytes already handed on when the slab fills up', () => {
    const { conn, sends } = fakeConnection()
    const writer = new FrameWriter(conn, () => {}, 1 << 30)
    const frames: Array<[number, number]> = []
    for (let id = 0; id < 3000; id++) {
      writer.write(id, MessageType.MessageInitiator, new Uint8Array(id % 700).fill(id & 0xff))
      if (id % 100 === 0) writer.flush()
    }
    writer.write(9, MessageType.MessageInitiator, new Uint8Array(5000).fill(9))
    writer.flush()
    const decoder = new FrameDecoder(1 << 20)
    let ok = true
    for (const send of sends) {
      decoder.decode(send, (id, type, body) => {
        frames.push([id, type])
        const bytes = body.subarray()
        if (bytes.byteLength !== (id === 9 && bytes.byteLength === 5000 ? 5000 : id % 700)) ok = false
        if (bytes.some((byte) => byte !== (id & 0xff))) ok = false
      })
    }
    expect(frames).toHaveLength(3001)
    expect(ok).toBe(true)
  })
})
