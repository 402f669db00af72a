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
 * Frames with less plaintext than this are sealed into one buffer (prefix,
 * ciphertext, tag): a copy is cheaper than three socket chunks. Larger ones
 * go out as `[prefix, ciphertext…, tag]` without joining.
 */
export const JOIN_BELOW = 4096

/**
 * Encrypts `data` into consecutive frames. Empty input gives one empty frame
 * (a valid Noise message). Small frames are single buffers; a large frame is
 * its 2-byte prefix, the ciphertext pieces and the tag, unjoined, so 64 KiB
 * of plaintext is never copied after the cipher.
 */
export function encryptFrames(cipher: CipherState, data: Uint8Array | Uint8ArrayList): Uint8ArrayList {
  const out = new Uint8ArrayList()
  if (data.byteLength < JOIN_BELOW) {
    out.append(encryptJoined(cipher, data instanceof Uint8Array ? data : data.subarray()))
    return out
  }
  const chunks = data instanceof Uint8Array ? [data] : data
  let pieces: Uint8Array[] = []
  let frameLength = Math.min(MAX_PLAINTEXT_LENGTH, data.byteLength)
  let remaining = data.byteLength
  let collected = 0
  for (const chunk of chunks) {
    let offset = 0
    while (offset < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - offset, frameLength - collected)
      pieces.push(offset === 0 && take === chunk.byteLength ? chunk : chunk.subarray(offset, offset + take))
      offset += take
      collected += take
      if (collected === frameLength) {
        sealFrame(cipher, pieces, frameLength, out)
        remaining -= frameLength
        pieces = []
        collected = 0
        frameLength = Math.min(MAX_PLAINTEXT_LENGTH, remaining)
      }
    }
  }
  return out
}

function sealFrame(cipher: CipherState, pieces: Uint8Array[], length: number, out: Uint8ArrayList): void {
  if (length < JOIN_BELOW) {
    out.append(
      encryptJoined(
        cipher,
        pieces.length === 1 ? pieces[0]! : Uint8ArrayList.fromUint8Arrays(pieces).subarray(),
      ),
    )
    return
  }
  const prefix = allocate(PREFIX_LENGTH)
  const sealed = cipher.sealPieces(pieces, length)
  let sealedLength = 0
  for (const piece of sealed) sealedLength += piece.byteLength
  prefix[0] = sealedLength >>> 8
  prefix[1] = sealedLength & 0xff
  out.append(prefix)
  for (const piece of sealed) out.append(piece)
}

/** Frames of `data` sealed into one new buffer. */
function encryptJoined(cipher: CipherState, data: Uint8Array): Uint8Array {
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
      const plaintext = this.open(length)
      if (plaintext == null) {
        throw new DecryptionError(
          `a noise frame of ${length} bytes failed authentication (message ${this.cipher.counter})`,
        )
      }
      this.buffer.consume(PREFIX_LENGTH + length)
      for (const piece of plaintext) if (piece.byteLength > 0) out.append(piece)
    }
    return out
  }

  /**
   * Opens the frame of `length` bytes after the prefix. A frame that lies in
   * several socket chunks is decrypted piece by piece, not joined first; only
   * a tag split across two chunks is copied (16 bytes).
   */
  private open(length: number): Uint8Array[] | undefined {
    const end = PREFIX_LENGTH + length
    const bodyEnd = end - TAG_LENGTH
    if (length < JOIN_BELOW) {
      const plaintext = this.cipher.decrypt(undefined, this.buffer.subarray(PREFIX_LENGTH, end))
      return plaintext == null ? undefined : [plaintext]
    }
    const pieces: Uint8Array[] = []
    for (const piece of this.buffer.sublist(PREFIX_LENGTH, bodyEnd)) pieces.push(piece)
    return this.cipher.openPieces(pieces, bodyEnd - PREFIX_LENGTH, this.buffer.subarray(bodyEnd, end))
  }
}
