/**
 * The file protocol, `/weft/playground/<app>/file/1.0.0`: one request a
 * stream, as a length-prefixed JSON frame.
 *
 * - `{"op":"have","root":<hex>}` → `{"have":true|false}`
 * - `{"op":"chunk","root":<hex>,"index":n}` → `{"ok":true,"length":n,"proof":[<hex>…]}`
 *   then `length` raw bytes; or `{"ok":false,"error":"…"}`.
 *
 * The source (`FileServer`) keeps, for each file it shares, its path and the
 * tree's levels (64 bytes a chunk) and reads each chunk from disk when asked,
 * so a source holds no file in memory. The chunk goes out in 64 KiB pieces,
 * each waiting for the stream to drain.
 */

import { type FileHandle, open } from 'node:fs/promises'
import type { Connection, Logger, Stream } from '@libp2p/interface'
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
const PIECE = 64 * 1024

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
    const signal = AbortSignal.timeout(60_000)
    const reader = new StreamReader(stream, { maxBufferLength: MAX_CONTROL_BYTES + 16 })
    try {
      const request = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
      if (
        request === null ||
        typeof request !== 'object' ||
        Array.isArray(request) ||
        typeof request.root !== 'string'
      ) {
        throw new ProtocolViolationError('a file request is {"op", "root", …}')
      }
      const banned = this.init.isBanned(connection.remotePeer.toString())
      const file = banned ? undefined : this.files.get(request.root)
      if (request.op === 'have') {
        await writeJsonFrame(stream, { have: file != null }, MAX_CONTROL_BYTES, { signal })
      } else if (request.op === 'chunk') {
        const index = request.index
        if (file == null) {
          await writeJsonFrame(stream, { ok: false, error: 'not shared' }, MAX_CONTROL_BYTES, { signal })
        } else if (
          typeof index !== 'number' ||
          !Number.isSafeInteger(index) ||
          index < 0 ||
          index >= file.levels[0]!.length
        ) {
          await writeJsonFrame(stream, { ok: false, error: 'no such chunk' }, MAX_CONTROL_BYTES, { signal })
        } else {
          await this.sendChunk(stream, file, index, signal)
        }
      } else {
        throw new ProtocolViolationError(`unknown file request ${JSON.stringify(request.op)}`)
      }
      await stream.close({ signal })
    } catch (err) {
      this.init.log('file request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  private async sendChunk(
    stream: Stream,
    file: SharedFile,
    index: number,
    signal: AbortSignal,
  ): Promise<void> {
    const length = chunkLength(file.size, file.chunkSize, index)
    const chunk = new Uint8Array(length)
    file.handle ??= open(file.path, 'r')
    const { bytesRead } = await (await file.handle).read(chunk, 0, length, index * file.chunkSize)
    if (bytesRead !== length) throw new Error(`${file.path} is shorter than when it was shared`)
    const proof = proofFor(file.levels, index).map(toHex)
    await writeJsonFrame(stream, { ok: true, length, proof }, MAX_CONTROL_BYTES, { signal })
    for (let offset = 0; offset < length; offset += PIECE) {
      const piece = chunk.subarray(offset, Math.min(length, offset + PIECE))
      if (!stream.send(piece)) await stream.onDrain({ signal })
    }
  }
}

async function closeFile(file: SharedFile): Promise<void> {
  const handle = file.handle
  file.handle = undefined
  await (await handle?.catch(() => undefined))?.close()
}

/** What a source answered for one chunk. */
export interface ChunkReply {
  chunk: Uint8Array
  proof: Uint8Array[]
}

/** Asks `peer` whether it shares the file with root `rootHex`. */
export async function askHave(stream: Stream, rootHex: string, signal: AbortSignal): Promise<boolean> {
  const reader = new StreamReader(stream, { maxBufferLength: MAX_CONTROL_BYTES + 16 })
  await writeJsonFrame(stream, { op: 'have', root: rootHex }, MAX_CONTROL_BYTES, { signal })
  const reply = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
  await stream.close({ signal }).catch(() => {})
  return reply !== null && typeof reply === 'object' && !Array.isArray(reply) && reply.have === true
}

/**
 * Asks for chunk `index`; a reply of another length than `expectedLength`,
 * or with a malformed proof, is a `ProtocolViolationError` (the caller bans
 * the peer as for a corrupt chunk: a source knows the length it must send).
 */
export async function requestChunk(
  stream: Stream,
  rootHex: string,
  index: number,
  expectedLength: number,
  signal: AbortSignal,
): Promise<ChunkReply | undefined> {
  const reader = new StreamReader(stream, {
    maxBufferLength: Math.max(expectedLength, MAX_CONTROL_BYTES) + PIECE,
  })
  await writeJsonFrame(stream, { op: 'chunk', root: rootHex, index }, MAX_CONTROL_BYTES, { signal })
  const header = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new ProtocolViolationError('a chunk reply header is an object')
  }
  if (header.ok !== true) return undefined
  if (header.length !== expectedLength) {
    throw new ProtocolViolationError(
      `chunk ${index} is ${expectedLength} bytes; the source announced ${String(header.length)}`,
    )
  }
  const proof = header.proof
  if (
    !Array.isArray(proof) ||
    proof.length > 64 ||
    !proof.every((item) => typeof item === 'string' && /^[0-9a-f]{64}$/.test(item))
  ) {
    throw new ProtocolViolationError('a proof is a list of at most 64 hex SHA-256 hashes')
  }
  const chunk =
    expectedLength === 0 ? new Uint8Array(0) : (await reader.readExact(expectedLength, { signal })).subarray()
  await stream.close({ signal }).catch(() => {})
  return { chunk, proof: proof.map((item) => Uint8Array.from(Buffer.from(item as string, 'hex'))) }
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
