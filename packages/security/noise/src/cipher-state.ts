/**
 * A Noise CipherState (Noise Protocol Framework rev 34, section 5.1): a key
 * and a 64-bit nonce. The ChaChaPoly nonce is 4 zero bytes followed by the
 * counter in little-endian (section 12.3). The nonce 2^64 - 1 is reserved, so
 * the state refuses to go past 2^64 - 2.
 */
import type { NoiseCrypto } from './crypto/index.js'
import { KEY_LENGTH, TAG_LENGTH } from './crypto/index.js'
import { NonceExhaustedError } from './errors.js'

const MAX_UINT32 = 0xffffffff

export class CipherState {
  private key?: Uint8Array
  /** the 12-byte ChaChaPoly nonce, rewritten in place as the counter grows */
  private readonly nonce = new Uint8Array(12)
  private low = 0
  private high = 0

  constructor(
    private readonly crypto: NoiseCrypto,
    key?: Uint8Array,
  ) {
    if (key != null) this.initializeKey(key)
  }

  initializeKey(key: Uint8Array): void {
    if (key.byteLength !== KEY_LENGTH) throw new RangeError(`a cipher key must be ${KEY_LENGTH} bytes`)
    this.key = Uint8Array.from(key)
    this.setNonce(0n)
  }

  hasKey(): boolean {
    return this.key != null
  }

  /** The counter of the next message. */
  get counter(): bigint {
    return (BigInt(this.high) << 32n) | BigInt(this.low)
  }

  /** Sets the counter (tests reach the end of the nonce space this way). */
  setNonce(value: bigint): void {
    if (value < 0n || value > 0xffffffffffffffffn)
      throw new RangeError('a nonce is a 64-bit unsigned integer')
    this.low = Number(value & 0xffffffffn)
    this.high = Number(value >> 32n)
    this.writeNonce()
  }

  /**
   * Encrypts `plaintext` into `output` at `offset` (ciphertext, then the tag)
   * and returns the bytes written. Without a key, copies the plaintext.
   */
  encryptInto(
    associatedData: Uint8Array | undefined,
    plaintext: Uint8Array,
    output: Uint8Array,
    offset: number,
  ): number {
    if (this.key == null) {
      output.set(plaintext, offset)
      return plaintext.byteLength
    }
    this.checkNonce()
    const written = this.crypto.encrypt(this.key, this.nonce, associatedData, plaintext, output, offset)
    this.increment()
    return written
  }

  /** EncryptWithAd: returns a new buffer. */
  encrypt(associatedData: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array {
    const output = new Uint8Array(plaintext.byteLength + (this.key == null ? 0 : TAG_LENGTH))
    this.encryptInto(associatedData, plaintext, output, 0)
    return output
  }

  /**
   * EncryptWithAd without associated data for a transport frame whose
   * plaintext comes in `pieces` (total `length` bytes): the ciphertext pieces
   * followed by the tag, unjoined when the crypto has a fast path for it.
   */
  sealPieces(pieces: readonly Uint8Array[], length: number): Uint8Array[] {
    if (this.key == null || this.crypto.sealPieces == null) {
      return [this.encrypt(undefined, pieces.length === 1 ? pieces[0]! : join(pieces, length))]
    }
    this.checkNonce()
    const sealed = this.crypto.sealPieces(this.key, this.nonce, pieces)
    this.increment()
    return sealed
  }

  /**
   * DecryptWithAd without associated data for a transport frame whose
   * ciphertext (without its tag, total `length` bytes) comes in `pieces`: the
   * plaintext pieces, or undefined when authentication fails (the nonce then
   * stays where it was).
   */
  openPieces(pieces: readonly Uint8Array[], length: number, tag: Uint8Array): Uint8Array[] | undefined {
    if (this.key == null || this.crypto.openPieces == null) {
      const sealed = join([...pieces, tag], length + tag.byteLength)
      const plaintext = this.decrypt(undefined, sealed)
      return plaintext == null ? undefined : [plaintext]
    }
    this.checkNonce()
    const plaintext = this.crypto.openPieces(this.key, this.nonce, pieces, tag)
    if (plaintext != null) this.increment()
    return plaintext
  }

  /**
   * DecryptWithAd: the plaintext, or undefined when authentication fails (the
   * nonce then stays where it was). Without a key, returns the input.
   */
  decrypt(associatedData: Uint8Array | undefined, ciphertext: Uint8Array): Uint8Array | undefined {
    if (this.key == null) return ciphertext
    this.checkNonce()
    const plaintext = this.crypto.decrypt(this.key, this.nonce, associatedData, ciphertext)
    if (plaintext != null) this.increment()
    return plaintext
  }

  private checkNonce(): void {
    if (this.low === MAX_UINT32 && this.high === MAX_UINT32) {
      throw new NonceExhaustedError(
        'all 2^64 - 1 nonces of this cipher state are used; the connection must end',
      )
    }
  }

  private increment(): void {
    if (this.low === MAX_UINT32) {
      this.low = 0
      this.high++
    } else {
      this.low++
    }
    this.writeNonce()
  }

  private writeNonce(): void {
    // little-endian 64-bit counter after 4 zero bytes; no DataView kept per cipher
    const nonce = this.nonce
    const low = this.low
    const high = this.high
    nonce[4] = low & 0xff
    nonce[5] = (low >>> 8) & 0xff
    nonce[6] = (low >>> 16) & 0xff
    nonce[7] = low >>> 24
    nonce[8] = high & 0xff
    nonce[9] = (high >>> 8) & 0xff
    nonce[10] = (high >>> 16) & 0xff
    nonce[11] = high >>> 24
  }
}

function join(pieces: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.byteLength
  }
  return out
}
