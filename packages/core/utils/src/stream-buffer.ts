/**
 * The read or write buffer of an `AbstractMessageStream`: a `Uint8ArrayList`
 * that can be emptied in one call, handed on in chunks, and says when it
 * holds more than a limit.
 */
import { StreamBufferError } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import type { SendResult } from './message-stream-init.js'

export class StreamBuffer extends Uint8ArrayList {
  /** Removes and returns every byte held, or undefined when empty. */
  takeAll(): Uint8ArrayList | undefined {
    if (this.byteLength === 0) return undefined
    const all = this.sublist()
    this.consume(all.byteLength)
    return all
  }

  /**
   * Hands the bytes held to `send`, at most `maxChunk` at a time, dropping
   * what it took; stops when `send` takes nothing or can take no more.
   * Returns whether it can take more. What `send` throws propagates.
   */
  sendChunks(maxChunk: number | undefined, send: (chunk: Uint8ArrayList) => SendResult): boolean {
    while (this.byteLength > 0) {
      const result = send(this.sublist(0, Math.min(maxChunk ?? Number.POSITIVE_INFINITY, this.byteLength)))
      this.consume(result.sentBytes)
      if (!result.canSendMore || result.sentBytes === 0) return false
    }
    return true
  }

  /** Drops every byte held; returns whether there were any. */
  clear(): boolean {
    if (this.byteLength === 0) return false
    this.consume(this.byteLength)
    return true
  }

  /** The error for holding more than `limit` bytes (no limit: never), else undefined. */
  overflow(name: 'read' | 'write', limit: number | undefined): StreamBufferError | undefined {
    if (limit == null || this.byteLength <= limit) return undefined
    return new StreamBufferError(`${name} buffer holds ${this.byteLength} bytes, over the limit of ${limit}`)
  }
}
