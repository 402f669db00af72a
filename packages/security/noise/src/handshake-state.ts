/**
 * The XX handshake as a pure state machine (Noise Protocol Framework rev 34,
 * sections 5.3 and 7.5), without I/O:
 *
 * ```
 * XX:
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 * ```
 *
 * Each side alternates `writeMessage` and `readMessage`; after the third
 * message `split()` gives the transport cipher states.
 */
import { InvalidCryptoExchangeError } from '@libp2p/interface'
import { concatBytes } from '@weft/utils'
import type { CipherState } from './cipher-state.js'
import { KEY_LENGTH, type NoiseCrypto, TAG_LENGTH, type X25519KeyPair } from './crypto/index.js'
import { InvalidFrameError } from './errors.js'
import { SymmetricState } from './symmetric-state.js'

export const PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256'
/** Noise messages are at most 65535 bytes (section 3). */
export const MAX_MESSAGE_LENGTH = 65535

export interface HandshakeStateInit {
  crypto: NoiseCrypto
  initiator: boolean
  staticKeyPair: X25519KeyPair
  prologue?: Uint8Array
  /** only for test vectors: a fixed ephemeral key pair */
  ephemeralKeyPair?: X25519KeyPair
}

export interface TransportCiphers {
  send: CipherState
  receive: CipherState
}

export class HandshakeState {
  readonly initiator: boolean
  private readonly crypto: NoiseCrypto
  private readonly symmetric: SymmetricState
  private readonly staticKeyPair: X25519KeyPair
  private ephemeralKeyPair?: X25519KeyPair
  private remoteEphemeral?: Uint8Array
  private remoteStatic?: Uint8Array
  /** index of the next message, 0 to 3 */
  private step = 0

  constructor(init: HandshakeStateInit) {
    this.crypto = init.crypto
    this.initiator = init.initiator
    this.staticKeyPair = init.staticKeyPair
    this.ephemeralKeyPair = init.ephemeralKeyPair
    this.symmetric = new SymmetricState(init.crypto, PROTOCOL_NAME)
    this.symmetric.mixHash(init.prologue ?? new Uint8Array(0))
  }

  get complete(): boolean {
    return this.step === 3
  }

  /** The remote's static X25519 key, known after its `s` token. */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.remoteStatic
  }

  get handshakeHash(): Uint8Array {
    return this.symmetric.handshakeHash
  }

  /** Whether the next message is ours to write. */
  get writing(): boolean {
    return this.step < 3 && (this.step % 2 === 0) === this.initiator
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    if (!this.writing) throw new Error(`message ${this.step + 1} of the handshake is not ours to write`)
    const parts: Uint8Array[] = []
    if (this.step === 0) {
      // -> e
      parts.push(this.writeEphemeral())
    } else if (this.step === 1) {
      // <- e, ee, s, es
      parts.push(this.writeEphemeral())
      this.symmetric.mixKey(this.dh(this.ephemeral().privateKey, this.remoteEphemeral!))
      parts.push(this.symmetric.encryptAndHash(this.staticKeyPair.publicKey))
      this.symmetric.mixKey(this.dh(this.staticKeyPair.privateKey, this.remoteEphemeral!))
    } else {
      // -> s, se
      parts.push(this.symmetric.encryptAndHash(this.staticKeyPair.publicKey))
      this.symmetric.mixKey(this.dh(this.staticKeyPair.privateKey, this.remoteEphemeral!))
    }
    parts.push(this.symmetric.encryptAndHash(payload))
    this.step++
    const message = concatBytes(parts)
    if (message.byteLength > MAX_MESSAGE_LENGTH) {
      throw new RangeError(
        `a handshake message is at most ${MAX_MESSAGE_LENGTH} bytes, got ${message.byteLength}`,
      )
    }
    return message
  }

  /** Processes the remote's message; returns its decrypted payload. */
  readMessage(message: Uint8Array): Uint8Array {
    if (this.writing || this.complete) {
      throw new Error(`message ${this.step + 1} of the handshake is not the remote's to send`)
    }
    let offset = 0
    const take = (length: number, what: string): Uint8Array => {
      if (message.byteLength - offset < length) {
        throw new InvalidFrameError(
          `handshake message ${this.step + 1} is ${message.byteLength} bytes, too short for its ${what}`,
        )
      }
      const part = message.subarray(offset, offset + length)
      offset += length
      return part
    }
    if (this.step === 0) {
      // -> e
      this.readEphemeral(take(KEY_LENGTH, 'ephemeral key'))
    } else if (this.step === 1) {
      // <- e, ee, s, es
      this.readEphemeral(take(KEY_LENGTH, 'ephemeral key'))
      this.symmetric.mixKey(this.dh(this.ephemeral().privateKey, this.remoteEphemeral!))
      this.remoteStatic = this.symmetric.decryptAndHash(take(KEY_LENGTH + TAG_LENGTH, 'static key'))
      this.symmetric.mixKey(this.dh(this.ephemeral().privateKey, this.remoteStatic))
    } else {
      // -> s, se
      this.remoteStatic = this.symmetric.decryptAndHash(take(KEY_LENGTH + TAG_LENGTH, 'static key'))
      this.symmetric.mixKey(this.dh(this.ephemeral().privateKey, this.remoteStatic))
    }
    const payload = this.symmetric.decryptAndHash(take(message.byteLength - offset, 'payload'))
    this.step++
    return payload
  }

  /** The transport ciphers of this side; only once the three messages are done. */
  split(): TransportCiphers {
    if (!this.complete) throw new Error('the handshake is not complete')
    const [initiatorToResponder, responderToInitiator] = this.symmetric.split()
    return this.initiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder }
  }

  private ephemeral(): X25519KeyPair {
    this.ephemeralKeyPair ??= this.crypto.generateX25519KeyPair()
    return this.ephemeralKeyPair
  }

  private writeEphemeral(): Uint8Array {
    const publicKey = this.ephemeral().publicKey
    this.symmetric.mixHash(publicKey)
    return publicKey
  }

  private readEphemeral(publicKey: Uint8Array): void {
    this.remoteEphemeral = Uint8Array.from(publicKey)
    this.symmetric.mixHash(publicKey)
  }

  private dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    try {
      return this.crypto.x25519(privateKey, publicKey)
    } catch (err) {
      throw new InvalidCryptoExchangeError(`X25519 with the remote's key failed: ${(err as Error).message}`)
    }
  }
}
