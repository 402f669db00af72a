/** servePerf and runPerf against each other, and against hand-written misbehaving peers, over streamPair(). */
import type { MessageStream } from '@libp2p/interface'
import { StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import {
  ByteSink,
  encodeRequest,
  type PerfOutput,
  RequestTooLargeError,
  runPerf,
  sendRepeated,
  servePerf,
} from '../src/index.js'

const block = new Uint8Array(64 * 1024)

async function collect(reports: AsyncIterable<PerfOutput>): Promise<PerfOutput[]> {
  const out: PerfOutput[] = []
  for await (const report of reports) out.push(report)
  return out
}

describe('perf exchange over a stream pair', () => {
  it.each([
    [0, 0],
    [1, 0],
    [0, 1],
    [3 * 1024 * 1024 + 17, 5 * 1024 * 1024 + 3],
  ])('uploads %d bytes and downloads %d bytes', async (up, down) => {
    const [client, server] = streamPair()
    const served = servePerf(server, { maxRequestBytes: 1 << 30, block })
    const reports = await collect(runPerf(client, up, down, { block }))
    const final = reports.at(-1)!
    expect(final.type).toBe('final')
    expect(final.uploadBytes).toBe(up)
    expect(final.downloadBytes).toBe(down)
    expect(final.timeSeconds).toBeGreaterThan(0)
    expect(await served).toEqual({ uploadBytes: up, downloadBytes: down })
    expect(client.status).toBe('closed')
  })

  it('honours back-pressure: the write buffer stays within one block', async () => {
    const [client, server] = streamPair({ capacity: 16 * 1024 })
    let largest = 0
    const original = client.send.bind(client)
    client.send = (data) => {
      const more = original(data)
      largest = Math.max(largest, client.writeBufferLength)
      return more
    }
    const served = servePerf(server, { maxRequestBytes: 1 << 20, block })
    await collect(runPerf(client, 2 * 1024 * 1024, 1024 * 1024, { block }))
    await served
    expect(largest).toBeLessThanOrEqual(block.byteLength + 8)
  })

  it('reports intermediary progress every interval', async () => {
    const [client, server] = streamPair({ delay: 5, capacity: 64 * 1024 })
    const served = servePerf(server, { maxRequestBytes: 1 << 20, block })
    const reports = await collect(runPerf(client, 1024 * 1024, 1024 * 1024, { block, reportInterval: 20 }))
    await served
    const intermediary = reports.filter((report) => report.type === 'intermediary')
    expect(intermediary.length).toBeGreaterThan(0)
    for (const report of intermediary) expect(report.timeSeconds).toBeGreaterThanOrEqual(0.02)
    const total = intermediary.reduce((sum, report) => sum + report.uploadBytes, 0)
    expect(total).toBeLessThanOrEqual(1024 * 1024)
    expect(reports.at(-1)).toMatchObject({
      type: 'final',
      uploadBytes: 1024 * 1024,
      downloadBytes: 1024 * 1024,
    })
  })

  it('the server takes a header split into single bytes', async () => {
    const [client, server] = streamPair()
    const served = servePerf(server, { maxRequestBytes: 100, block })
    for (const byte of encodeRequest(42)) client.send(Uint8Array.of(byte))
    client.send(new Uint8Array(5))
    await client.close()
    const reader = new StreamReader(client)
    const data = await reader.readExact(42)
    expect(data.byteLength).toBe(42)
    expect(await served).toEqual({ uploadBytes: 5, downloadBytes: 42 })
  })

  it('the server resets a request over its limit, before the upload ends', async () => {
    const [client, server] = streamPair()
    const served = servePerf(server, { maxRequestBytes: 1000, block })
    client.send(encodeRequest(1001))
    await expect(served).rejects.toBeInstanceOf(RequestTooLargeError)
    expect(server.status).toBe('aborted')
    await expect(collectClose(client)).resolves.toBe('reset')
  })

  it('the server fails on a header cut short', async () => {
    const [client, server] = streamPair()
    const served = servePerf(server, { maxRequestBytes: 1000, block })
    client.send(new Uint8Array(3))
    await client.close()
    await expect(served).rejects.toMatchObject({ name: 'UnexpectedEOFError', expected: 8, received: 3 })
  })

  it('the server gives up when its signal aborts', async () => {
    const [, server] = streamPair()
    const served = servePerf(server, { maxRequestBytes: 1000, block, signal: AbortSignal.timeout(50) })
    await expect(served).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(server.status).toBe('aborted')
  })

  it('the client fails when the server sends less than asked', async () => {
    const [client, server] = streamPair()
    void lyingServer(server, -10)
    await expect(collect(runPerf(client, 0, 1000, { block }))).rejects.toMatchObject({
      name: 'UnexpectedEOFError',
      expected: 1000,
      received: 990,
    })
  })

  it('the client fails when the server sends more than asked', async () => {
    const [client, server] = streamPair()
    void lyingServer(server, 1)
    await expect(collect(runPerf(client, 10, 1000, { block }))).rejects.toMatchObject({
      name: 'InvalidMessageError',
    })
    expect(client.status).toBe('aborted')
  })

  it('the client fails when the server resets', async () => {
    const [client, server] = streamPair()
    server.addEventListener('message', () => server.abort(new Error('no')), { once: true })
    await expect(collect(runPerf(client, 1024 * 1024, 0, { block }))).rejects.toMatchObject({
      name: 'StreamResetError',
    })
  })

  it('the client gives up when its signal aborts, and aborts the stream', async () => {
    const [client] = streamPair()
    await expect(
      collect(runPerf(client, 0, 10, { block, signal: AbortSignal.timeout(50) })),
    ).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(client.status).toBe('aborted')
  })

  it('a consumer that stops early ends the stream', async () => {
    const [client, server] = streamPair({ delay: 5, capacity: 16 * 1024 })
    const served = servePerf(server, { maxRequestBytes: 1 << 30, block })
    for await (const report of runPerf(client, 1 << 30, 0, { block, reportInterval: 10 })) {
      expect(report.type).toBe('intermediary')
      break
    }
    expect(client.status).toBe('aborted')
    await expect(served).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('rejects bad arguments before touching the stream', async () => {
    const [client] = streamPair()
    await expect(collect(runPerf(client, -1, 0))).rejects.toBeInstanceOf(RangeError)
    await expect(collect(runPerf(client, 0, 2 ** 60))).rejects.toBeInstanceOf(RangeError)
    await expect(collect(runPerf(client, 0, 0, { block: new Uint8Array(0) }))).rejects.toBeInstanceOf(
      RangeError,
    )
    expect(client.status).toBe('open')
    expect(client.writeBufferLength).toBe(0)
  })
})

describe('ByteSink', () => {
  it('settles at once on a stream that already ended', async () => {
    const [a, b] = streamPair()
    await a.close()
    await new ByteSink(b).wait()
    const late = new ByteSink(b)
    expect(late.done).toBe(true)
    await late.wait()
  })

  it('counts bytes that were put back before it attached', async () => {
    const [a, b] = streamPair()
    b.unshift(new Uint8Array(7))
    await a.close()
    const sink = new ByteSink(b)
    await sink.wait()
    expect(sink.bytes).toBe(7)
  })
})

describe('sendRepeated', () => {
  it('sends exactly the count, the last chunk shortened', async () => {
    const [a, b] = streamPair()
    const sink = new ByteSink(b)
    const sizes: number[] = []
    await sendRepeated(a, 10, new Uint8Array(4), { onChunk: (sent) => sizes.push(sent) })
    await a.close()
    await sink.wait()
    expect(sizes).toEqual([4, 8, 10])
    expect(sink.bytes).toBe(10)
  })
})

/** Reads the request and the upload, then sends `requested + skew` bytes. */
async function lyingServer(stream: MessageStream, skew: number): Promise<void> {
  let header: Uint8Array | undefined
  const sink = new ByteSink(stream, {
    inspect: (chunk) => {
      header ??= chunk.subarray(0, 8)
    },
  })
  await sink.wait()
  const requested = Number(new DataView(header!.buffer, header!.byteOffset, 8).getBigUint64(0))
  await sendRepeated(stream, requested + skew, block)
  await stream.close()
}

function collectClose(stream: MessageStream): Promise<string> {
  return new Promise((resolve) => {
    if (stream.status !== 'open' && stream.status !== 'closing') resolve(stream.status)
    else stream.addEventListener('close', () => resolve(stream.status), { once: true })
  })
}
