/**
 * The fetcher's side of a `chunks` session (file-share.ts has the protocol):
 * one stream to one source for a whole download, chunk requests sent ahead
 * (pipelined) and answered in order. A chunk's bytes stay in the pieces they
 * arrived in (a `Uint8ArrayList` of the stream's buffers, never joined), are
 * hashed piece by piece into the leaf, and go to disk with one `writev`.
 */
import type { Stream } from '@libp2p/interface'
import { encodeLengthPrefixed } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { encodeJson } from './codec.js'
import { ProtocolViolationError } from './errors.js'
import { MAX_CONTROL_BYTES } from './file-share.js'
import { leafHashOf } from './file-tree.js'
import { readJsonFrame, StreamReader, writeJsonFrame } from './frames.js'

/** What a source answered for one chunk. */
export interface ChunkReply {
  /** the chunk, in the pieces it arrived in */
  chunk: Uint8ArrayList
  /** its leaf hash, computed as it was read */
  leaf: Uint8Array
  proof: Uint8Array[]
}

export class ChunkSession {
  private constructor(
    private readonly stream: Stream,
    private readonly reader: StreamReader,
  ) {}

  /**
   * Opens a session for the file with root `rootHex` on `stream`; undefined
   * (and the stream closed) when the source does not share it.
   * `maxBufferBytes` bounds what the reader buffers before it pauses the
   * stream: the answers to every request out, so it never pauses a source
   * that keeps to what was asked (a pause would stop the muxer's window from
   * growing and the source from sending).
   */
  static async open(
    stream: Stream,
    rootHex: string,
    maxBufferBytes: number,
    signal: AbortSignal,
  ): Promise<ChunkSession | undefined> {
    const reader = new StreamReader(stream, {
      maxBufferLength: Math.max(maxBufferBytes, 4 * MAX_CONTROL_BYTES),
    })
    await writeJsonFrame(stream, { op: 'chunks', root: rootHex }, MAX_CONTROL_BYTES, { signal })
    const reply = await readJsonFrame(reader, MAX_CONTROL_BYTES, { signal })
    if (reply !== null && typeof reply === 'object' && !Array.isArray(reply) && reply.have === true) {
      return new ChunkSession(stream, reader)
    }
    await stream.close({ signal }).catch(() => {})
    return undefined
  }

  /** Asks for the chunks `indices`, in one write (answers come in the order asked). */
  request(indices: number[]): void {
    if (indices.length === 0) return
    const frames = indices.map((index) => encodeLengthPrefixed(encodeJson({ index }, MAX_CONTROL_BYTES)))
    // a request is a few bytes and at most `parallelPerSource` are out: no need to wait for a drain
    this.stream.send(frames.length === 1 ? frames[0]! : new Uint8ArrayList(...frames))
  }

  /**
   * The answer to the oldest request, chunk `index`; undefined when the
   * source no longer shares the file. A reply of another length than
   * `expectedLength`, or with a malformed proof, is a `ProtocolViolationError`
   * (the caller bans the peer as for a corrupt chunk: a source knows the
   * length it must send).
   */
  async reply(index: number, expectedLength: number, signal: AbortSignal): Promise<ChunkReply | undefined> {
    const header = await readJsonFrame(this.reader, MAX_CONTROL_BYTES, { signal })
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
      expectedLength === 0 ? new Uint8ArrayList() : await this.reader.readExact(expectedLength, { signal })
    return {
      chunk,
      leaf: leafHashOf(chunk),
      proof: proof.map((item) => Uint8Array.from(Buffer.from(item as string, 'hex'))),
    }
  }

  /** Ends the session: our side closes, the source answers what it read and closes. */
  async close(signal: AbortSignal): Promise<void> {
    await this.stream.close({ signal }).catch(() => {})
  }

  abort(err: Error): void {
    this.stream.abort(err)
  }
}
