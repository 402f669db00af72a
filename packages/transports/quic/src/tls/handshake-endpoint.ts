/**
 * What a client and a server handshake share (RFC 9001 §4.1): handshake
 * bytes come in per encryption level, in order (the connection reassembles
 * CRYPTO frames); whole messages are handled one at a time; what TLS wants
 * QUIC to do comes back as events: bytes to send at a level, secrets to
 * install, completion. A failure is final: every later call throws it again.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from 'node:crypto'
import type { PeerId, PublicKey } from '@libp2p/interface'
import { type Certificate, InvalidCertificateError, verifyCertificate } from '@weft/tls'
import { CIPHER_SUITES, type CipherSuite } from '../cipher-suite.js'
import { CryptoError, QuicTransportError, TlsAlert, TransportErrorCode } from '../errors.js'
import type { TransportParameters } from '../transport-parameters.js'
import { type CertificateMessage, decodeCertificateVerify } from './handshake-message.js'
import { KeySchedule, Transcript } from './key-schedule.js'
import { signedContent, VERIFY_SCHEMES, verifyCertificateVerify } from './signature.js'

export type EncryptionLevel = 'initial' | 'handshake' | 'one-rtt'

export type HandshakeEvent =
  | { type: 'send'; level: EncryptionLevel; data: Uint8Array }
  | {
      type: 'read-keys' | 'write-keys'
      level: 'handshake' | 'one-rtt'
      suite: CipherSuite
      secret: Uint8Array
    }
  | { type: 'complete'; result: HandshakeResult }

export interface HandshakeResult {
  /** the remote's libp2p identity, proven by its certificate */
  peerId: PeerId
  publicKey: PublicKey
  transportParameters: TransportParameters
  alpn: string
  suite: CipherSuite
}

export interface HandshakeInit {
  /** our libp2p certificate (`generateCertificate` of @weft/tls) */
  certificate: Certificate
  /** our transport parameters, already encoded */
  transportParameters: Uint8Array
  /** ALPN protocols, ours first; default `['libp2p']` */
  alpn?: string[]
  /** cipher suites in our order of preference; default both (AES-128-GCM first) */
  cipherSuites?: readonly CipherSuite[]
  /** clock for certificate validity; default `new Date()` */
  now?: () => Date
}

export const DEFAULT_ALPN = ['libp2p']
/** A handshake message larger than this is refused (RFC 9001 §4.1.3 lets us bound the buffer). */
export const MAX_HANDSHAKE_MESSAGE = 16 * 1024

const LEVELS: readonly EncryptionLevel[] = ['initial', 'handshake', 'one-rtt']

export abstract class HandshakeEndpoint {
  protected readonly transcript = new Transcript('sha256')
  protected readonly schedule = new KeySchedule('sha256')
  protected readonly alpn: string[]
  protected readonly cipherSuites: readonly CipherSuite[]
  protected readonly certificateKey: KeyObject
  protected events: HandshakeEvent[] = []
  private readonly pending = new Map<EncryptionLevel, Uint8Array>()
  private chain: Promise<unknown> = Promise.resolve()
  private failure: Error | undefined
  /** set once the peer's certificate verified */
  protected peer: { peerId: PeerId; publicKey: PublicKey; key: KeyObject } | undefined

  constructor(protected readonly init: HandshakeInit) {
    this.alpn = init.alpn ?? DEFAULT_ALPN
    this.cipherSuites = init.cipherSuites ?? CIPHER_SUITES
    this.certificateKey = createPrivateKey(init.certificate.privateKeyPem)
  }

  /** Handshake bytes received at `level`, in order. Resolves to what QUIC should do next. */
  receive(level: EncryptionLevel, data: Uint8Array): Promise<HandshakeEvent[]> {
    const run = this.chain.then(() => this.process(level, data))
    this.chain = run.catch(() => undefined)
    return run
  }

  /** The level whose messages the state machine waits for. */
  protected abstract expectedLevel(): EncryptionLevel | undefined

  protected abstract handle(
    level: EncryptionLevel,
    type: number,
    body: Uint8Array,
    message: Uint8Array,
  ): Promise<void>

  private async process(level: EncryptionLevel, data: Uint8Array): Promise<HandshakeEvent[]> {
    if (this.failure != null) throw this.failure
    try {
      if (!LEVELS.includes(level)) throw new TypeError(`unknown encryption level ${level}`)
      let buffer = concat(this.pending.get(level), data)
      while (buffer.length >= 4) {
        const length = ((buffer[1] as number) << 16) | ((buffer[2] as number) << 8) | (buffer[3] as number)
        if (length > MAX_HANDSHAKE_MESSAGE) {
          throw new QuicTransportError(
            TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
            `a handshake message of ${length} bytes exceeds ${MAX_HANDSHAKE_MESSAGE}`,
          )
        }
        if (buffer.length < 4 + length) break
        const message = buffer.subarray(0, 4 + length)
        buffer = buffer.subarray(4 + length)
        if (level !== this.expectedLevel()) {
          throw new CryptoError(
            TlsAlert.UNEXPECTED_MESSAGE,
            `handshake message ${message[0]} at the ${level} level`,
          )
        }
        await this.handle(level, message[0] as number, message.subarray(4), message)
      }
      if (buffer.length > MAX_HANDSHAKE_MESSAGE) {
        throw new QuicTransportError(
          TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
          'too much buffered handshake data',
        )
      }
      this.pending.set(level, buffer.slice())
      const events = this.events
      this.events = []
      return events
    } catch (err) {
      this.failure =
        err instanceof QuicTransportError
          ? err
          : new CryptoError(TlsAlert.INTERNAL_ERROR, `handshake failed: ${(err as Error).message}`, {
              cause: err,
            })
      this.events = []
      throw this.failure
    }
  }

  protected emit(event: HandshakeEvent): void {
    this.events.push(event)
  }

  /** Sends `message` at `level` and adds it to the transcript. */
  protected send(level: EncryptionLevel, message: Uint8Array): void {
    this.transcript.add(message)
    this.emit({ type: 'send', level, data: message })
  }

  /** A new X25519 key pair: the private key and the 32-byte public value. */
  protected static keyShare(): { privateKey: KeyObject; publicValue: Uint8Array } {
    const { privateKey, publicKey } = generateKeyPairSync('x25519')
    const jwk = publicKey.export({ format: 'jwk' })
    return { privateKey, publicValue: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')) }
  }

  /** The X25519 shared secret; the all-zero value is refused (RFC 8446 §7.4.2). */
  protected static sharedSecret(privateKey: KeyObject, peerValue: Uint8Array): Uint8Array {
    if (peerValue.length !== 32)
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, `an X25519 share of ${peerValue.length} bytes`)
    let secret: Uint8Array
    try {
      const publicKey = createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerValue).toString('base64url') },
        format: 'jwk',
      })
      secret = new Uint8Array(diffieHellman({ privateKey, publicKey }))
    } catch (err) {
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'a bad X25519 share', { cause: err })
    }
    if (secret.every((byte) => byte === 0))
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'an all-zero X25519 secret')
    return secret
  }

  /** The libp2p certificate check (exactly one certificate, the signed-key extension). */
  protected async verifyPeerCertificate(message: CertificateMessage): Promise<void> {
    if (message.entries.length === 0) {
      throw new CryptoError(TlsAlert.CERTIFICATE_REQUIRED, 'the peer sent no certificate')
    }
    if (message.entries.length !== 1) {
      throw new CryptoError(
        TlsAlert.BAD_CERTIFICATE,
        `a chain of ${message.entries.length} certificates, libp2p sends one`,
      )
    }
    const der = (message.entries[0] as { certificate: Uint8Array }).certificate
    try {
      const verified = await verifyCertificate(der, this.init.now?.() ?? new Date())
      this.peer = { ...verified, key: new X509Certificate(der).publicKey }
    } catch (err) {
      const detail =
        err instanceof InvalidCertificateError ? `${err.problem}: ${err.message}` : (err as Error).message
      throw new CryptoError(TlsAlert.BAD_CERTIFICATE, `the peer certificate is refused (${detail})`, {
        cause: err,
      })
    }
  }

  /** Checks the peer's CertificateVerify against the transcript up to its Certificate. */
  protected checkPeerSignature(sender: 'client' | 'server', body: Uint8Array): void {
    if (this.peer == null)
      throw new CryptoError(TlsAlert.UNEXPECTED_MESSAGE, 'CertificateVerify before Certificate')
    const { scheme, signature } = decodeCertificateVerify(body)
    if (!VERIFY_SCHEMES.includes(scheme)) {
      throw new CryptoError(
        TlsAlert.ILLEGAL_PARAMETER,
        `signature scheme 0x${scheme.toString(16)} was not offered`,
      )
    }
    const content = signedContent(sender, this.transcript.current())
    if (!verifyCertificateVerify(this.peer.key, scheme, content, signature)) {
      throw new CryptoError(TlsAlert.DECRYPT_ERROR, `the ${sender} CertificateVerify signature is not valid`)
    }
  }
}

function concat(head: Uint8Array | undefined, tail: Uint8Array): Uint8Array {
  if (head == null || head.length === 0) return tail
  const out = new Uint8Array(head.length + tail.length)
  out.set(head)
  out.set(tail, head.length)
  return out
}
