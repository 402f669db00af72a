/**
 * Noise transport framing (libp2p/specs noise/README.md, "Wire Format"):
 * every message is a 2-byte big-endian length, then a ChaChaPoly ciphertext
 * of at most 65535 bytes including its 16-byte tag, so at most 65519 bytes of
 * plaintext per frame. Pure logic over CipherStates; no I/O.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { CipherState } from './cipher-state.js'
import { TAG_LENGTH } from './crypto/index.js'
import { DecryptionError, InvalidFrameError } from './errors.js'
import { MAX_MESSAGE_LENGTH } from './handshake-state.js'

/** Most plaintext bytes in one transport frame. */
export const MAX_PLAINTEXT_LENGTH = MAX_MESSAGE_LENGTH - TAG_LENGTH
const PREFIX_LENGTH = 2

const allocate: (length: number) => Uint8Array =
  typeof globalThis.Buffer?.allocUnsafe === 'function'
    ? (length) => globalThis.Buffer.allocUnsafe(length)
    : (length) => new Uint8Array(length)

/** Bytes on the wire for `plaintextLength` bytes of plaintext. */
export function encryptedLength(plaintextLength: number): number {
  const frames = Math.max(1, Math.ceil(plaintextLength / MAX_PLAINTEXT_LENGTH))
  return plaintextLength + frames * (PREFIX_LENGTH + TAG_LENGTH)
}

/**
 * Encrypts `data` into consecutive frames in one buffer. Empty input gives
 * one empty frame (a valid Noise message).
 */
export function encryptFrames(cipher: CipherState, data: Uint8Array | Uint8ArrayList): Uint8Array {
  const output = allocate(encryptedLength(data.byteLength))
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  let read = 0
  let written = 0
  do {
    const length = Math.min(MAX_PLAINTEXT_LENGTH, data.byteLength - read)
    const plaintext = data.subarray(read, read + length)
    view.setUint16(written, length + TAG_LENGTH)
    written += PREFIX_LENGTH
    written += cipher.encryptInto(undefined, plaintext, output, written)
    read += length
  } while (read < data.byteLength)
  return output
}

/**
 * Incremental decoder: push wire bytes, get the plaintext of every complete
 * frame. Holds at most one incomplete frame between calls.
 */
export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList()

  constructor(private readonly cipher: CipherState) {}

  /** Bytes of an incomplete frame waiting for the rest. */
  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  /**
   * Decrypts every complete frame now buffered. Returns the plaintexts
   * (possibly empty). Throws `InvalidFrameError` for a frame shorter than a
   * tag and `DecryptionError` when a frame fails authentication; the decoder
   * is unusable after either.
   */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList {
    const out = new Uint8ArrayList()
    this.buffer.append(chunk)
    while (this.buffer.byteLength >= PREFIX_LENGTH) {
      const length = this.buffer.getUint16(0)
      if (length < TAG_LENGTH) {
        throw new InvalidFrameError(
          `a noise frame holds at least a ${TAG_LENGTH}-byte tag, got ${length} bytes`,
        )
      }
      if (this.buffer.byteLength < PREFIX_LENGTH + length) break
      const ciphertext = this.buffer.subarray(PREFIX_LENGTH, PREFIX_LENGTH + length)
      const plaintext = this.cipher.decrypt(undefined, ciphertext)
      if (plaintext == null) {
        throw new DecryptionError(
          `a noise frame of ${length} bytes failed authentication (message ${this.cipher.counter})`,
        )
      }
      this.buffer.consume(PREFIX_LENGTH + length)
      if (plaintext.byteLength > 0) out.append(plaintext)
    }
    return out
  }
}
