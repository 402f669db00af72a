import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType } from './frame.js'
import { FrameWriter } from './frame-writer.js'

class FakeConnection {
  sent: Array<Uint8Array | Uint8ArrayList> = []
  accept = true
  send(data: Uint8Array | Uint8ArrayList): boolean {
    this.sent.push(data)
    return this.accept
  }
}

function setup(): { conn: FakeConnection; writer: FrameWriter; errors: Error[] } {
  const conn = new FakeConnection()
  const errors: Error[] = []
  const writer = new FrameWriter(conn as unknown as MessageStream, (err) => errors.push(err))
  return { conn, writer, errors }
}

function bufs(data: Uint8Array | Uint8ArrayList): Uint8Array[] {
  return data instanceof Uint8Array ? [data] : [...data]
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('FrameWriter', () => {
  it('coalesces the frames of one tick into one send, adjacent headers into one buffer', async () => {
    const { conn, writer } = setup()
    writer.control(FrameType.WindowUpdate, Flag.SYN, 1, 0)
    writer.control(FrameType.Ping, Flag.SYN, 0, 7)
    expect(conn.sent).toEqual([])
    await nextTick()
    expect(conn.sent).toHaveLength(1)
    const [run] = bufs(conn.sent[0])
    expect(Buffer.from(run).toString('hex')).toBe('000100010000000100000000' + '000200010000000000000007')
  })

  it('keeps the header runs of sessions that share the header slab apart', async () => {
    const a = setup()
    const b = setup()
    // interleaved across two writers, and past the end of a slab (512 headers)
    for (let i = 0; i < 600; i++) {
      a.writer.control(FrameType.WindowUpdate, 0, 1, i)
      b.writer.control(FrameType.Ping, Flag.ACK, 0, i)
    }
    await nextTick()
    for (const [{ conn }, type] of [
      [a, FrameType.WindowUpdate],
      [b, FrameType.Ping],
    ] as const) {
      const wire = Buffer.concat(bufs(conn.sent[0]!))
      expect(wire.byteLength).toBe(600 * 12)
      for (let i = 0; i < 600; i++) {
        expect(wire[i * 12 + 1]).toBe(type)
        expect(wire.readUInt32BE(i * 12 + 8)).toBe(i)
      }
    }
  })

  it('appends Data payloads by reference, without copying', async () => {
    const { conn, writer } = setup()
    const payload = new Uint8Array([1, 2, 3])
    const list = new Uint8ArrayList(new Uint8Array([4]), new Uint8Array([5, 6]))
    writer.data(Flag.ACK, 2, payload)
    writer.data(0, 2, list)
    await nextTick()
    const out = bufs(conn.sent[0])
    expect(out).toHaveLength(5)
    expect(out[1]).toBe(payload)
    expect(Buffer.from(out[0]).toString('hex')).toBe('000000020000000200000003')
    expect(Buffer.from(out[2]).toString('hex')).toBe('000000000000000200000003')
    expect(Buffer.concat(out.slice(3))).toEqual(Buffer.from([4, 5, 6]))
  })

  it('sends at once past 256 KiB', () => {
    const { conn, writer } = setup()
    writer.data(0, 1, new Uint8Array(200 * 1024))
    expect(conn.sent).toHaveLength(0)
    writer.data(0, 1, new Uint8Array(100 * 1024))
    expect(conn.sent).toHaveLength(1)
    expect(conn.sent[0].byteLength).toBe(300 * 1024 + 24)
  })

  it('stops when the connection is full and resumes waiting streams in order on drain', async () => {
    const { conn, writer } = setup()
    conn.accept = false
    writer.data(0, 1, new Uint8Array(300 * 1024))
    expect(writer.writable).toBe(false)
    const resumed: string[] = []
    writer.waitForDrain({ onConnectionDrained: () => resumed.push('a') })
    const b = { onConnectionDrained: () => resumed.push('b') }
    writer.waitForDrain(b)
    // control frames still queue while the connection is full, and wait
    writer.control(FrameType.WindowUpdate, 0, 3, 1000)
    await nextTick()
    expect(conn.sent).toHaveLength(1)
    conn.accept = true
    writer.onConnectionDrain()
    expect(conn.sent).toHaveLength(2)
    expect(resumed).toEqual(['a', 'b'])
    expect(writer.writable).toBe(true)
  })

  it('fails when control frames pile up beyond 1 MiB on a connection that never drains', async () => {
    const { conn, writer, errors } = setup()
    conn.accept = false
    writer.data(0, 1, new Uint8Array(300 * 1024))
    for (let i = 0; i < 90_000; i++) writer.control(FrameType.Ping, Flag.ACK, 0, i)
    await nextTick()
    expect(errors.map((err) => err.name)).toEqual(['SendQueueFullError'])
    expect(writer.writable).toBe(false)
  })

  it('reports a connection that throws on send, and drops frames after close', async () => {
    const { writer, errors } = setup()
    const throwing = new FrameWriter(
      {
        send: () => {
          throw new Error('closed')
        },
      } as unknown as MessageStream,
      (err) => errors.push(err),
    )
    throwing.control(FrameType.Ping, Flag.SYN, 0, 1)
    await nextTick()
    expect(errors.map((err) => err.message)).toEqual(['closed'])
    writer.close()
    writer.control(FrameType.Ping, Flag.SYN, 0, 1)
    expect(writer.queuedBytes).toBe(0)
  })
})
