/**
 * The file protocol, `/weft/playground/<app>/file/1.0.0`: length-prefixed
 * JSON frames, the first one naming the request.
 *
 * - `{"op":"have","root":<hex>}` → `{"have":true|false}`, and the stream ends.
 * - `{"op":"chunks","root":<hex>}` → `{"have":true|false}`; when true, a
 *   session: the fetcher sends `{"index":n}` frames, as many ahead as it
 *   likes (pipelined), and the source answers each in order with
 *   `{"ok":true,"length":n,"proof":[<hex>…]}` then `length` raw bytes, or
 *   `{"ok":false,"error":"…"}`. The fetcher closes its write side to end the
 *   session; the source answers what it read and closes.
 *
 * One session a source for a whole download: no stream set-up per chunk,
 * and the source never idles between chunks while requests are queued.
 *
 * The source (`FileServer`) keeps, for each file it shares, its path and the
 * tree's levels (64 bytes a chunk) and reads each chunk from disk when asked,
 * so a source holds no file in memory: one chunk a session, sent with
 * back-pressure (the next request is read once the stream has drained).
 */

import { type FileHandle, open } from 'node:fs/promises'
import type { Connection, Logger, Stream } from '@libp2p/interface'
import { encodeLengthPrefixed } from '@weft/utils'
import type { Json } from './codec.js'
import { ProtocolViolationError, StateLimitError } from './errors.js'
import {
  buildLevels,
  chunkCount,
  chunkLength,
  DEFAULT_CHUNK_SIZE,
  encodeFileId,
  leafHash,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  proofFor,
  RootBuilder,
  toHex,
} from './file-tree.js'
import { readJsonFrame, StreamReader, writeJsonFrame } from './frames.js'

/** A request or a header is at most this large (a proof of a 2^40-chunk tree fits many times). */
export const MAX_CONTROL_BYTES = 16 * 1024
/** How long a source waits for a session's next request, and a fetcher for a `have` answer. */
export const SESSION_IDLE_TIMEOUT = 60_000
/** chunks a session reads from disk ahead of the one being sent */
const READ_AHEAD = 3

interface SharedFile {
  path: string
  size: number
  chunkSize: number
  levels: Uint8Array[][]
  /** opened at the first request, kept until unshared or stopped */
  handle?: Promise<FileHandle>
}

export interface FileServerInit {
  /** files shared at once (default 1024) */
  maxSharedFiles?: number
  /** whether a peer is banned from our files */
  isBanned(peer: string): boolean
  log: Logger
}

export class FileServer {
  private readonly files = new Map<string, SharedFile>()
  private readonly maxSharedFiles: number

  constructor(private readonly init: FileServerInit) {
    this.maxSharedFiles = init.maxSharedFiles ?? 1024
  }

  /** Hashes the file at `path` (one chunk in memory at a time) and serves it; returns its id. */
  async share(path: string, chunkSize = DEFAULT_CHUNK_SIZE, signal?: AbortSignal): Promise<string> {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new RangeError(`chunkSize is between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}; got ${chunkSize}`)
    }
    const handle = await open(path, 'r')
    const leaves: Uint8Array[] = []
    let size: number
    try {
      size = (await handle.stat()).size
      const buffer = new Uint8Array(chunkSize)
      const count = chunkCount(size, chunkSize)
      for (let index = 0; index < count; index++) {
        signal?.throwIfAborted()
        const length = chunkLength(size, chunkSize, index)
        const { bytesRead } = await handle.read(buffer, 0, length, index * chunkSize)
        if (bytesRead !== length) throw new Error(`${path} changed while it was being hashed`)
        leaves.push(leafHash(buffer.subarray(0, length)))
      }
    } finally {
      await handle.close()
    }
    const levels = buildLevels(leaves)
    const root = levels[levels.length - 1]![0]!
    const key = toHex(root)
    if (!this.files.has(key) && this.files.size >= this.maxSharedFiles) {
      throw new StateLimitError(`already sharing ${this.maxSharedFiles} files`)
    }
    const previous = this.files.get(key)
    if (previous != null) await closeFile(previous)
    this.files.set(key, { path, size, chunkSize, levels })
    return encodeFileId({ root, size, chunkSize })
  }

  /** Stops sharing the file with root `rootHex`. */
  async unshare(rootHex: string): Promise<boolean> {
    const file = this.files.get(rootHex)
    if (file == null) return false
    this.files.delete(rootHex)
    await closeFile(file)
    return true
  }

  /** Closes every shared file; nothing is shared afterwards. */
  async stop(): Promise<void> {
    const files = [...this.files.values()]
    this.files.clear()
    await Promise.all(files.map(closeFile))
  }

  has(rootHex: string): boolean {
    return this.files.has(rootHex)
  }

  async handle(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    // pipelined requests wait here, bounded: a fetcher never has that many bytes of requests ahead
    const reader = new StreamReader(stream, { maxBufferLength: MAX_CONTROL_BYTES + 16 })
    try {
      const request = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal: idleSignal() })
      if (
        request === null ||
        typeof request !== 'object' ||
        Array.isArray(request) ||
        typeof request.root !== 'string'
      ) {
        throw new ProtocolViolationError('a file request is {"op", "root", …}')
      }
      const root = request.root
      const file = this.init.isBanned(peer) ? undefined : this.files.get(root)
      if (request.op !== 'have' && request.op !== 'chunks') {
        throw new ProtocolViolationError(`unknown file request ${JSON.stringify(request.op)}`)
      }
      await writeJsonFrame(stream, { have: file != null }, MAX_CONTROL_BYTES, { signal: idleSignal() })
      if (request.op === 'chunks' && file != null) await this.serveSession(stream, reader, root, peer)
      await stream.close({ signal: idleSignal() })
    } catch (err) {
      this.init.log('file request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  /**
   * Answers `{"index"}` requests in order until the fetcher closes its side.
   * Up to `READ_AHEAD` answers are read from disk while the one before goes
   * out, taking requests already received without waiting for more.
   */
  private async serveSession(
    stream: Stream,
    reader: StreamReader,
    root: string,
    peer: string,
  ): Promise<void> {
    const queue: Array<Promise<Answer>> = []
    let ended = false
    // one timer for the session, restarted at every request and answer: 60 s without either ends it
    const idle = new AbortController()
    const timer = setTimeout(
      () => idle.abort(new DOMException(`no progress in ${SESSION_IDLE_TIMEOUT} ms`, 'TimeoutError')),
      SESSION_IDLE_TIMEOUT,
    )
    const signal = idle.signal
    try {
      while (true) {
        while (!ended && queue.length < READ_AHEAD && (queue.length === 0 || reader.bufferedBytes > 0)) {
          const request = await readNextRequest(reader, signal)
          timer.refresh()
          if (request === undefined) ended = true
          else {
            const answer = this.answer(root, peer, request.index)
            answer.catch(() => {}) // awaited in turn below; a failure before then must not go unhandled
            queue.push(answer)
          }
        }
        const next = queue.shift()
        if (next == null) return
        const { header, chunk } = await next
        if (!stream.send(header) && chunk == null) await stream.onDrain({ signal })
        if (chunk != null && !stream.send(chunk)) await stream.onDrain({ signal })
        timer.refresh()
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** The answer to a request for chunk `index` of the file with root `root`: its header frame and its bytes. */
  private async answer(root: string, peer: string, index: unknown): Promise<Answer> {
    // unshared or banned mid-session: the answer says so, the session goes on
    const file = this.init.isBanned(peer) ? undefined : this.files.get(root)
    if (file == null) return { header: controlFrame({ ok: false, error: 'not shared' }) }
    if (
      typeof index !== 'number' ||
      !Number.isSafeInteger(index) ||
      index < 0 ||
      index >= file.levels[0]!.length
    ) {
      return { header: controlFrame({ ok: false, error: 'no such chunk' }) }
    }
    const length = chunkLength(file.size, file.chunkSize, index)
    // a fresh buffer each time: the muxer may hold it until the bytes are on the wire
    const chunk = Buffer.allocUnsafe(length)
    file.handle ??= open(file.path, 'r')
    const { bytesRead } = await (await file.handle).read(chunk, 0, length, index * file.chunkSize)
    if (bytesRead !== length) throw new Error(`${file.path} is shorter than when it was shared`)
    const proof = proofFor(file.levels, index).map(toHex)
    return { header: controlFrame({ ok: true, length, proof }), chunk }
  }
}

interface Answer {
  /** the length-prefixed JSON header */
  header: Uint8Array
  chunk?: Uint8Array
}

const encoder = new TextEncoder()

/** A header of ours, length-prefixed (built here from checked values: no need for `encodeJson`'s walk). */
function controlFrame(value: Json): Uint8Array {
  return encodeLengthPrefixed(encoder.encode(JSON.stringify(value)))
}

/** The next `{"index"}` request of a session, or undefined when the fetcher has closed its side. */
async function readNextRequest(
  reader: StreamReader,
  signal: AbortSignal,
): Promise<{ index?: unknown } | undefined> {
  let request: Json
  try {
    request = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
  } catch (err) {
    if ((err as Error).name === 'UnexpectedEOFError' && reader.bufferedBytes === 0) return undefined
    throw err
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new ProtocolViolationError('a chunk request is {"index": n}')
  }
  return request
}

function idleSignal(): AbortSignal {
  return AbortSignal.timeout(SESSION_IDLE_TIMEOUT)
}

async function closeFile(file: SharedFile): Promise<void> {
  const handle = file.handle
  file.handle = undefined
  await (await handle?.catch(() => undefined))?.close()
}

/** Asks `peer` whether it shares the file with root `rootHex`. */
export async function askHave(stream: Stream, rootHex: string, signal: AbortSignal): Promise<boolean> {
  const reader = new StreamReader(stream, { maxBufferLength: MAX_CONTROL_BYTES + 16 })
  await writeJsonFrame(stream, { op: 'have', root: rootHex }, MAX_CONTROL_BYTES, { signal })
  const reply = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
  await stream.close({ signal }).catch(() => {})
  return reply !== null && typeof reply === 'object' && !Array.isArray(reply) && reply.have === true
}

/** The root of the file at `path` cut into `chunkSize` chunks, hashed one chunk at a time. */
export async function hashFile(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const size = (await handle.stat()).size
    const builder = new RootBuilder()
    const buffer = new Uint8Array(chunkSize)
    for (let index = 0; index < chunkCount(size, chunkSize); index++) {
      const length = chunkLength(size, chunkSize, index)
      await handle.read(buffer, 0, length, index * chunkSize)
      builder.push(leafHash(buffer.subarray(0, length)))
    }
    return encodeFileId({ root: builder.root(), size, chunkSize })
  } finally {
    await handle.close()
  }
}
