/**
 * A Noise SymmetricState (Noise Protocol Framework rev 34, section 5.2): the
 * chaining key `ck`, the handshake hash `h` and the handshake CipherState.
 */
import { InvalidCryptoExchangeError } from '@libp2p/interface'
import { CipherState } from './cipher-state.js'
import type { NoiseCrypto } from './crypto/index.js'
import { KEY_LENGTH } from './crypto/index.js'

const EMPTY = new Uint8Array(0)

export class SymmetricState {
  private chainingKey: Uint8Array
  private hash: Uint8Array
  private readonly cipher: CipherState

  constructor(
    private readonly crypto: NoiseCrypto,
    protocolName: string,
  ) {
    const name = new TextEncoder().encode(protocolName)
    if (name.byteLength <= KEY_LENGTH) {
      this.hash = new Uint8Array(KEY_LENGTH)
      this.hash.set(name)
    } else {
      this.hash = crypto.sha256(name)
    }
    this.chainingKey = this.hash
    this.cipher = new CipherState(crypto)
  }

  /** The handshake hash `h` (channel binding value once the handshake is done). */
  get handshakeHash(): Uint8Array {
    return this.hash
  }

  hasKey(): boolean {
    return this.cipher.hasKey()
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, key] = this.crypto.hkdf(this.chainingKey, inputKeyMaterial)
    this.chainingKey = chainingKey
    this.cipher.initializeKey(key)
  }

  mixHash(data: Uint8Array): void {
    this.hash = this.crypto.sha256(this.hash, data)
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encrypt(this.hash, plaintext)
    this.mixHash(ciphertext)
    return ciphertext
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decrypt(this.hash, ciphertext)
    if (plaintext == null) {
      throw new InvalidCryptoExchangeError('a handshake message failed authentication')
    }
    this.mixHash(ciphertext)
    return plaintext
  }

  /** The two transport CipherStates: [initiator → responder, responder → initiator]. */
  split(): [CipherState, CipherState] {
    const [first, second] = this.crypto.hkdf(this.chainingKey, EMPTY)
    return [new CipherState(this.crypto, first), new CipherState(this.crypto, second)]
  }
}
