import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { StreamReader, sendAll, streamPair } from '../src/index.js'

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)

async function collect(stream: AsyncIterable<Uint8Array | Uint8ArrayList>): Promise<Uint8ArrayList> {
  const out = new Uint8ArrayList()
  for await (const chunk of stream) out.append(chunk)
  return out
}

describe('streamPair', () => {
  it('delivers bytes in order and ends on close', async () => {
    const [a, b] = streamPair()
    const received = collect(b)
    for (let i = 0; i < 10; i++) a.send(bytes(1000, i))
    await a.close()
    const out = await received
    expect(out.byteLength).toBe(10_000)
    expect(out.get(0)).toBe(0)
    expect(out.get(9_999)).toBe(9)
    expect(b.readableEnded).toBe(true)
  })

  it('reports back-pressure and drains', async () => {
    const [a, b] = streamPair({ capacity: 1024 })
    const received = collect(b)
    expect(a.send(bytes(4096))).toBe(false)
    expect(a.writableNeedsDrain).toBe(true)
    await a.onDrain()
    expect(a.writableNeedsDrain).toBe(false)
    await a.close()
    expect((await received).byteLength).toBe(4096)
  })

  it('closes fully when both sides close', async () => {
    const [a, b] = streamPair()
    const closed = new Promise((resolve) => a.addEventListener('close', resolve, { once: true }))
    const drain = collect(b)
    await a.close()
    await drain
    await b.close()
    await closed
    expect(a.status).toBe('closed')
    expect(b.status).toBe('closed')
  })

  it('a reset reaches the remote as a close event with an error', async () => {
    const [a, b] = streamPair()
    const event = new Promise<Event & { error?: Error }>((resolve) =>
      b.addEventListener('close', resolve, { once: true }),
    )
    a.abort(new Error('boom'))
    const evt = await event
    expect(evt.error?.name).toBe('StreamResetError')
    expect(b.status).toBe('reset')
    expect(a.status).toBe('aborted')
  })

  it('buffers until a reader attaches, and the reader hands back leftovers', async () => {
    const [a, b] = streamPair()
    a.send(Uint8Array.of(0, 1, 2, 3, 4, 5))
    await new Promise((resolve) => setTimeout(resolve, 10))
    const reader = new StreamReader(b)
    const first = await reader.readExact(2)
    expect(first.subarray()).toEqual(Uint8Array.of(0, 1))
    reader.release()
    await a.close()
    const rest = await collect(b)
    expect(rest.subarray()).toEqual(Uint8Array.of(2, 3, 4, 5))
  })

  it('reader reports an early end', async () => {
    const [a, b] = streamPair()
    const reader = new StreamReader(b)
    a.send(Uint8Array.of(1))
    await a.close()
    await expect(reader.readExact(4)).rejects.toMatchObject({ name: 'UnexpectedEOFError' })
  })

  it('length-prefixed reads are bounded', async () => {
    const [a, b] = streamPair()
    const reader = new StreamReader(b)
    a.send(Uint8Array.of(0xff, 0xff, 0x03))
    await expect(reader.readLengthPrefixed(1024)).rejects.toMatchObject({ name: 'MessageTooLargeError' })
  })

  it('a slow iterator pauses the stream instead of buffering without end', async () => {
    const [a, b] = streamPair({ maxReadBufferLength: 64 * 1024 })
    let total = 0
    const consumer = (async () => {
      for await (const chunk of b) {
        total += chunk.byteLength
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    for (let i = 0; i < 64; i++) await sendAll(a, bytes(16 * 1024))
    await a.close()
    await consumer
    expect(total).toBe(64 * 16 * 1024)
  })
})

describe('iterating a stream', () => {
  it('throws when the remote resets the stream', async () => {
    const [a, b] = streamPair()
    const reading = collect(b)
    a.send(Uint8Array.of(1, 2, 3))
    await new Promise((resolve) => setTimeout(resolve, 5))
    a.abort(new Error('gone'))
    await expect(reading).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('throws the local abort reason', async () => {
    const [, b] = streamPair()
    const reading = collect(b)
    b.abort(new Error('local failure'))
    await expect(reading).rejects.toThrow('local failure')
  })
})
