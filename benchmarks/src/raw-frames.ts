/**
 * The reference limit: what encryption alone costs. Frames of up to 64 KiB
 * sealed with node:crypto ChaCha20-Poly1305 (Noise's cipher) on a plain TCP
 * socket: `[u32 big-endian ciphertext length][ciphertext][16-byte tag]`; a
 * zero-length frame ends the upload and the receiver answers with one byte.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { InvalidMessageError } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

export const RAW_FRAME_SIZE = 64 * 1024
const TAG_LENGTH = 16
const KEY = new Uint8Array(32).fill(7)

function nonce(counter: number): Uint8Array {
  const bytes = new Uint8Array(12)
  new DataView(bytes.buffer).setBigUint64(4, BigInt(counter), true)
  return bytes
}

/** Seals frames with a counter nonce, as a Noise transport cipher does. */
export class FrameSealer {
  private counter = 0

  seal(plaintext: Uint8Array): Uint8Array[] {
    const cipher = createCipheriv('chacha20-poly1305', KEY, nonce(this.counter++), {
      authTagLength: TAG_LENGTH,
    })
    const body = cipher.update(plaintext)
    cipher.final()
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, body.byteLength, false)
    return [header, body, cipher.getAuthTag()]
  }

  end(): Uint8Array {
    return new Uint8Array(4)
  }
}

/** Opens frames as they arrive; returns the plaintext bytes, or -1 once the end frame came. */
export class FrameOpener {
  private readonly buffer = new Uint8ArrayList()
  private counter = 0
  bytes = 0

  push(chunk: Uint8Array): boolean {
    this.buffer.append(chunk)
    while (this.buffer.byteLength >= 4) {
      const length = this.buffer.getUint32(0, false)
      if (length === 0) return true
      if (length > RAW_FRAME_SIZE)
        throw new InvalidMessageError(`frame of ${length} bytes, expected at most ${RAW_FRAME_SIZE}`)
      if (this.buffer.byteLength < 4 + length + TAG_LENGTH) break
      const body = this.buffer.subarray(4, 4 + length)
      const tag = this.buffer.subarray(4 + length, 4 + length + TAG_LENGTH)
      const decipher = createDecipheriv('chacha20-poly1305', KEY, nonce(this.counter++), {
        authTagLength: TAG_LENGTH,
      })
      decipher.setAuthTag(tag)
      const plaintext = decipher.update(body)
      decipher.final()
      this.bytes += plaintext.byteLength
      this.buffer.consume(4 + length + TAG_LENGTH)
    }
    return false
  }
}
