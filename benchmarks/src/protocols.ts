/**
 * The application protocols the benchmarks speak, written against the
 * @libp2p/interface `Stream` API only, so the same code runs on weft and
 * js-libp2p streams: a 1-byte echo, and a js-libp2p-side `/perf/1.0.0`
 * handler and client (the npm `@libp2p/perf` cannot be installed here; these
 * follow its published behaviour: 64 KiB writes, `for await` reads).
 */
import type { AbortOptions, Connection, Stream } from '@libp2p/interface'

export const ECHO_PROTOCOL = '/weft-bench/echo/1.0.0'
export const PERF_PROTOCOL = '/perf/1.0.0'
/**
 * Set-up and streams/s ask BOTH stacks to open echo streams optimistically:
 * the protocol proposal travels with the first bytes instead of waiting a
 * round trip for the listener's answer (`negotiateFully` defaults to true in
 * @libp2p/interface). weft honours it; js-libp2p 3.3.11 ignores the option
 * (neither libp2p nor @libp2p/multistream-select 7.0.28 reads it), so its
 * streams always wait for the answer: each stack runs at its best setting.
 */
export const ECHO_STREAM_OPTIONS = { negotiateFully: false } as const
const PERF_BLOCK = new Uint8Array(64 * 1024)
/** the js-libp2p perf handler refuses requests above this (as @weft/perf does by default) */
const MAX_PERF_REQUEST = 4 * 1024 * 1024 * 1024

/** Echoes every byte, then closes its writable end once the remote has closed theirs. */
export async function echoHandler(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** Resolves with the first chunk's length; rejects if the stream ends or closes first. */
export function firstMessage(stream: Stream, options: AbortOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onMessage = (evt: { data: { byteLength: number } }): void => {
      cleanup()
      resolve(evt.data.byteLength)
    }
    const onClose = (): void => {
      cleanup()
      reject(new Error('stream closed before the echo came back'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(options.signal?.reason ?? new Error('aborted'))
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
    options.signal?.addEventListener('abort', onAbort)
  })
}

/** One open → 1-byte echo → close cycle on `connection`. */
export async function echoOnce(connection: Connection, options: AbortOptions): Promise<void> {
  const stream = await connection.newStream(ECHO_PROTOCOL, { ...options, ...ECHO_STREAM_OPTIONS })
  stream.send(Uint8Array.of(1))
  await stream.close(options)
  let received = 0
  for await (const chunk of stream) received += chunk.byteLength
  if (received !== 1) throw new Error(`expected 1 echoed byte, got ${received}`)
}

/** js-libp2p side of `/perf/1.0.0`: read the request, drain the upload, send the bytes asked for, close. */
export async function jsPerfHandler(stream: Stream): Promise<void> {
  try {
    const header = new Uint8Array(8)
    let headerLength = 0
    for await (const chunk of stream) {
      if (headerLength < 8) {
        const take = Math.min(8 - headerLength, chunk.byteLength)
        header.set(chunk.subarray(0, take), headerLength)
        headerLength += take
      }
    }
    if (headerLength < 8) throw new Error('perf stream ended before the 8-byte header')
    const requested = new DataView(header.buffer).getBigUint64(0, false)
    if (requested > BigInt(MAX_PERF_REQUEST))
      throw new Error(`perf request of ${requested} bytes is too large`)
    await sendBytes(stream, Number(requested))
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/**
 * js-libp2p side of the perf client on an open connection: resolves to the
 * seconds from opening the stream to the end of the download.
 */
export async function jsPerfClient(
  connection: Connection,
  upload: number,
  download: number,
  options: AbortOptions,
): Promise<number> {
  const start = performance.now()
  const stream = await connection.newStream(PERF_PROTOCOL, options)
  try {
    const header = new Uint8Array(8)
    new DataView(header.buffer).setBigUint64(0, BigInt(download), false)
    stream.send(header)
    await sendBytes(stream, upload, options)
    await stream.close(options)
    let received = 0
    for await (const chunk of stream) received += chunk.byteLength
    if (received !== download) throw new Error(`expected ${download} bytes, received ${received}`)
    return (performance.now() - start) / 1000
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

async function sendBytes(stream: Stream, count: number, options?: AbortOptions): Promise<void> {
  for (let sent = 0; sent < count; sent += PERF_BLOCK.byteLength) {
    const size = Math.min(PERF_BLOCK.byteLength, count - sent)
    if (!stream.send(size === PERF_BLOCK.byteLength ? PERF_BLOCK : PERF_BLOCK.subarray(0, size))) {
      await stream.onDrain(options)
    }
  }
}
