/**
 * The two halves of one perf exchange on an open stream (libp2p/specs
 * perf/perf.md, "Protocol"): `servePerf` is the server's stream handler,
 * `runPerf` the client's measurement. Both work on any `MessageStream`.
 */
import { type AbortOptions, InvalidMessageError, type Logger, type MessageStream } from '@libp2p/interface'
import { UnexpectedEOFError } from '@weft/utils'
import { ByteSink, sendRepeated } from './byte-sink.js'
import { encodeRequest, HEADER_LENGTH, type PerfOutput, ProgressClock, RequestParser } from './protocol.js'

export const DEFAULT_WRITE_BLOCK_SIZE = 64 * 1024
export const MAX_WRITE_BLOCK_SIZE = 4 * 1024 * 1024
export const DEFAULT_REPORT_INTERVAL = 1000

export interface ServePerfOptions extends AbortOptions {
  /** largest request the server honours; a larger one resets the stream */
  maxRequestBytes: number
  /** the block of bytes sent back, repeated (its contents are sent as they are) */
  block: Uint8Array
  log?: Logger
}

export interface ExchangeResult {
  /** bytes the client uploaded (after the header) */
  uploadBytes: number
  /** bytes sent back to the client */
  downloadBytes: number
}

/**
 * Serves one inbound perf stream: reads the request and discards the upload
 * until the client closes its write side, then sends the requested bytes and
 * closes. On any failure the stream is aborted and the error rethrown.
 */
export async function servePerf(stream: MessageStream, options: ServePerfOptions): Promise<ExchangeResult> {
  const parser = new RequestParser(options.maxRequestBytes)
  const sink = new ByteSink(stream, { inspect: (chunk) => parser.feed(chunk) })
  try {
    await sink.wait(options)
    if (parser.requested === undefined) throw new UnexpectedEOFError(HEADER_LENGTH, parser.headerBytes)
    // "This MUST NOT be run concurrently with step 2": the upload has ended here
    await sendRepeated(stream, parser.requested, options.block, options)
    await stream.close(options)
    options.log?.trace('served %d bytes after an upload of %d bytes', parser.requested, parser.uploadBytes)
    return { uploadBytes: parser.uploadBytes, downloadBytes: parser.requested }
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

export interface RunPerfOptions extends AbortOptions {
  /** the block of bytes uploaded, repeated (default: 64 KiB of zeros) */
  block?: Uint8Array
  /** milliseconds between `intermediary` reports (default 1000) */
  reportInterval?: number
}

/**
 * Runs one measurement on an open perf stream: asks for `recvBytes`,
 * uploads `sendBytes`, closes the write side and counts the download.
 * Yields an `intermediary` report every `reportInterval` ms and a `final`
 * one (time and bytes of the whole exchange). Aborts the stream on failure,
 * including a download shorter (`UnexpectedEOFError`) or longer
 * (`InvalidMessageError`) than requested.
 */
export async function* runPerf(
  stream: MessageStream,
  sendBytes: number,
  recvBytes: number,
  options: RunPerfOptions = {},
): AsyncGenerator<PerfOutput, void, undefined> {
  const header = encodeRequest(recvBytes)
  if (!Number.isSafeInteger(sendBytes) || sendBytes < 0) {
    throw new RangeError(`expected a non-negative safe integer upload size, got ${sendBytes}`)
  }
  const block = options.block ?? new Uint8Array(DEFAULT_WRITE_BLOCK_SIZE)
  if (block.byteLength === 0) throw new RangeError('the upload block must not be empty')
  const interval = options.reportInterval ?? DEFAULT_REPORT_INTERVAL
  const start = performance.now()
  const clock = new ProgressClock(start, interval)
  const sink = new ByteSink(stream, {
    maxBytes: recvBytes,
    tooMany: (bytes) =>
      new InvalidMessageError(`expected ${recvBytes} bytes from the server, it sent ${bytes}`),
  })
  let uploaded = 0
  let complete = false
  const exchange = (async () => {
    stream.send(header)
    await sendRepeated(stream, sendBytes, block, {
      signal: options.signal,
      onChunk: (sent) => {
        uploaded = sent
      },
    })
    if (sink.error != null) throw sink.error
    await stream.close(options)
    await sink.wait(options)
    if (sink.bytes < recvBytes) throw new UnexpectedEOFError(recvBytes, sink.bytes)
  })()
  try {
    while (!(await settledWithin(exchange, interval))) {
      const now = performance.now()
      if (clock.due(now)) yield clock.report(now, uploaded, sink.bytes)
    }
    await exchange
    complete = true
    yield {
      type: 'final',
      timeSeconds: (performance.now() - start) / 1000,
      uploadBytes: sendBytes,
      downloadBytes: sink.bytes,
    }
  } catch (err) {
    stream.abort(err as Error)
    throw err
  } finally {
    if (!complete) {
      // the consumer stopped early, or the exchange failed: end the stream either way
      exchange.catch(() => {})
      stream.abort(new Error('the perf measurement was abandoned'))
    }
  }
}

/** true when `task` settled within `ms` milliseconds (one timer per call, cleared either way). */
async function settledWithin(task: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      task.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
