/**
 * The client side of the QUIC TLS 1.3 handshake (RFC 8446 §2 full
 * handshake, RFC 9001 §4): ClientHello with one X25519 share, then
 * ServerHello, {EncryptedExtensions, CertificateRequest, Certificate,
 * CertificateVerify, Finished}, answered by {Certificate,
 * CertificateVerify, Finished}. A HelloRetryRequest is refused with
 * handshake_failure: we always send the only group we offer.
 */

import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { equalBytes } from '@weft/utils'
import type { CipherSuite } from '../cipher-suite.js'
import { CryptoError, TlsAlert } from '../errors.js'
import { decodeTransportParameters, type TransportParameters } from '../transport-parameters.js'
import {
  alpn,
  ExtensionType,
  findExtension,
  keyShare,
  NamedGroup,
  signatureAlgorithms,
  supportedGroups,
  supportedVersions,
  transportParametersExtension,
} from './extensions.js'
import { type EncryptionLevel, HandshakeEndpoint, type HandshakeInit } from './handshake-endpoint.js'
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeEncryptedExtensions,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeFinished,
  expectType,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  TLS_1_3,
} from './handshake-message.js'
import type { TrafficSecrets } from './key-schedule.js'
import { SIGN_SCHEME, signCertificateVerify, signedContent, VERIFY_SCHEMES } from './signature.js'

type State =
  | 'start'
  | 'wait-server-hello'
  | 'wait-encrypted-extensions'
  | 'wait-certificate-request'
  | 'wait-certificate'
  | 'wait-certificate-verify'
  | 'wait-finished'
  | 'connected'

/** Extensions a server may put in EncryptedExtensions that we offered (RFC 8446 §4.2). */
const ENCRYPTED_EXTENSIONS_ALLOWED = new Set<number>([
  ExtensionType.SERVER_NAME,
  ExtensionType.SUPPORTED_GROUPS,
  ExtensionType.ALPN,
  ExtensionType.QUIC_TRANSPORT_PARAMETERS,
])

export class TlsClient extends HandshakeEndpoint {
  private state: State = 'start'
  private readonly share = HandshakeEndpoint.keyShare()
  private suite: CipherSuite | undefined
  private handshakeSecrets: TrafficSecrets | undefined
  private requestContext: Uint8Array | undefined
  private protocol = ''
  private peerParameters: TransportParameters | undefined

  constructor(init: HandshakeInit) {
    super(init)
  }

  /** The ClientHello, to send in the first Initial packet. */
  start(): ReturnType<HandshakeEndpoint['receive']> {
    if (this.state !== 'start') return Promise.reject(new Error('the handshake already started'))
    const hello = encodeClientHello({
      random: new Uint8Array(randomBytes(32)),
      // RFC 9001 §8.4: no middlebox compatibility mode, so no session id
      sessionId: new Uint8Array(0),
      cipherSuites: this.cipherSuites.map((suite) => suite.id),
      compressionMethods: Uint8Array.of(0),
      extensions: [
        supportedVersions.client([TLS_1_3]),
        supportedGroups.encode([NamedGroup.X25519]),
        keyShare.client([{ group: NamedGroup.X25519, keyExchange: this.share.publicValue }]),
        signatureAlgorithms.encode(VERIFY_SCHEMES),
        alpn.encode(this.alpn),
        transportParametersExtension(this.init.transportParameters),
      ],
    })
    this.send('initial', hello)
    this.state = 'wait-server-hello'
    const events = this.events
    this.events = []
    return Promise.resolve(events)
  }

  protected expectedLevel(): EncryptionLevel | undefined {
    switch (this.state) {
      case 'wait-server-hello':
        return 'initial'
      case 'start':
        return undefined
      case 'connected':
        return 'one-rtt'
      default:
        return 'handshake'
    }
  }

  protected async handle(
    _level: EncryptionLevel,
    type: number,
    body: Uint8Array,
    message: Uint8Array,
  ): Promise<void> {
    switch (this.state) {
      case 'wait-server-hello':
        expectType(type, HandshakeType.SERVER_HELLO, 'ServerHello')
        this.onServerHello(body, message)
        return
      case 'wait-encrypted-extensions':
        expectType(type, HandshakeType.ENCRYPTED_EXTENSIONS, 'EncryptedExtensions')
        this.onEncryptedExtensions(body)
        this.transcript.add(message)
        this.state = 'wait-certificate-request'
        return
      case 'wait-certificate-request':
        if (type === HandshakeType.CERTIFICATE_REQUEST) {
          const request = decodeCertificateRequest(body)
          const schemes = findExtension(request.extensions, ExtensionType.SIGNATURE_ALGORITHMS)
          if (schemes == null)
            throw new CryptoError(
              TlsAlert.MISSING_EXTENSION,
              'CertificateRequest without signature_algorithms',
            )
          if (!signatureAlgorithms.decode(schemes).includes(SIGN_SCHEME)) {
            throw new CryptoError(
              TlsAlert.HANDSHAKE_FAILURE,
              'the server does not accept ECDSA P-256 signatures',
            )
          }
          this.requestContext = request.context
          this.transcript.add(message)
          this.state = 'wait-certificate'
          return
        }
        // a server that does not ask for our certificate: libp2p servers always do, but TLS allows it
        this.state = 'wait-certificate'
        return this.handle(_level, type, body, message)
      case 'wait-certificate': {
        expectType(type, HandshakeType.CERTIFICATE, 'Certificate')
        const certificate = decodeCertificate(body)
        if (certificate.context.length !== 0) {
          throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'a server Certificate with a request context')
        }
        await this.verifyPeerCertificate(certificate)
        this.transcript.add(message)
        this.state = 'wait-certificate-verify'
        return
      }
      case 'wait-certificate-verify':
        expectType(type, HandshakeType.CERTIFICATE_VERIFY, 'CertificateVerify')
        this.checkPeerSignature('server', body)
        this.transcript.add(message)
        this.state = 'wait-finished'
        return
      case 'wait-finished':
        expectType(type, HandshakeType.FINISHED, 'Finished')
        this.onFinished(body, message)
        return
      case 'connected':
        // RFC 9001 §4.1.3 / RFC 8446 §4.6.1: session tickets are allowed and ignored; KeyUpdate is not (RFC 9001 §6)
        expectType(type, HandshakeType.NEW_SESSION_TICKET, 'NewSessionTicket')
        return
      default:
        throw new CryptoError(TlsAlert.UNEXPECTED_MESSAGE, `message ${type} in state ${this.state}`)
    }
  }

  private onServerHello(body: Uint8Array, message: Uint8Array): void {
    const hello = decodeServerHello(body)
    if (equalBytes(hello.random, HELLO_RETRY_REQUEST_RANDOM)) {
      throw new CryptoError(
        TlsAlert.HANDSHAKE_FAILURE,
        'HelloRetryRequest: the server wants another group, we offer only X25519',
      )
    }
    if (hello.sessionId.length !== 0)
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'the server echoed a session id we did not send')
    if (hello.compressionMethod !== 0)
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'a compression method')
    const suite = this.cipherSuites.find((candidate) => candidate.id === hello.cipherSuite)
    if (suite == null)
      throw new CryptoError(
        TlsAlert.ILLEGAL_PARAMETER,
        `cipher suite 0x${hello.cipherSuite.toString(16)} was not offered`,
      )
    for (const extension of hello.extensions) {
      if (extension.type !== ExtensionType.SUPPORTED_VERSIONS && extension.type !== ExtensionType.KEY_SHARE) {
        throw new CryptoError(TlsAlert.UNSUPPORTED_EXTENSION, `extension ${extension.type} in a ServerHello`)
      }
    }
    const version = findExtension(hello.extensions, ExtensionType.SUPPORTED_VERSIONS)
    if (version == null || supportedVersions.decodeServer(version) !== TLS_1_3) {
      throw new CryptoError(TlsAlert.PROTOCOL_VERSION, 'the server did not select TLS 1.3')
    }
    const shareData = findExtension(hello.extensions, ExtensionType.KEY_SHARE)
    if (shareData == null)
      throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'a ServerHello without key_share')
    const share = keyShare.decodeServer(shareData)
    if (share.group !== NamedGroup.X25519)
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, `key share group ${share.group} was not offered`)
    const secret = HandshakeEndpoint.sharedSecret(this.share.privateKey, share.keyExchange)
    this.transcript.add(message)
    this.suite = suite
    this.handshakeSecrets = this.schedule.handshake(secret, this.transcript.current())
    this.emit({ type: 'read-keys', level: 'handshake', suite, secret: this.handshakeSecrets.server })
    this.emit({ type: 'write-keys', level: 'handshake', suite, secret: this.handshakeSecrets.client })
    this.state = 'wait-encrypted-extensions'
  }

  private onEncryptedExtensions(body: Uint8Array): void {
    const extensions = decodeEncryptedExtensions(body)
    for (const extension of extensions) {
      if (!ENCRYPTED_EXTENSIONS_ALLOWED.has(extension.type)) {
        throw new CryptoError(
          TlsAlert.UNSUPPORTED_EXTENSION,
          `extension ${extension.type} in EncryptedExtensions`,
        )
      }
    }
    const selected = findExtension(extensions, ExtensionType.ALPN)
    if (selected == null)
      throw new CryptoError(TlsAlert.NO_APPLICATION_PROTOCOL, 'the server selected no ALPN protocol')
    const protocols = alpn.decode(selected)
    if (protocols.length !== 1 || !this.alpn.includes(protocols[0] as string)) {
      throw new CryptoError(
        TlsAlert.ILLEGAL_PARAMETER,
        `the server selected ALPN ${JSON.stringify(protocols)}`,
      )
    }
    this.protocol = protocols[0] as string
    const parameters = findExtension(extensions, ExtensionType.QUIC_TRANSPORT_PARAMETERS)
    if (parameters == null)
      throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'no quic_transport_parameters from the server')
    this.peerParameters = decodeTransportParameters(parameters, 'server')
  }

  private onFinished(body: Uint8Array, message: Uint8Array): void {
    const secrets = this.handshakeSecrets as TrafficSecrets
    const suite = this.suite as CipherSuite
    if (!this.schedule.checkFinished(secrets.server, this.transcript.current(), body)) {
      throw new CryptoError(TlsAlert.DECRYPT_ERROR, 'the server Finished does not match the transcript')
    }
    if (this.peer == null)
      throw new CryptoError(TlsAlert.UNEXPECTED_MESSAGE, 'Finished before the server Certificate')
    this.transcript.add(message)
    const application = this.schedule.application(this.transcript.current())
    if (this.requestContext != null) {
      this.send(
        'handshake',
        encodeCertificate({
          context: this.requestContext,
          entries: [{ certificate: this.init.certificate.certificate, extensions: [] }],
        }),
      )
      const signature = signCertificateVerify(
        this.certificateKey as KeyObject,
        signedContent('client', this.transcript.current()),
      )
      this.send('handshake', encodeCertificateVerify({ scheme: SIGN_SCHEME, signature }))
    }
    this.send(
      'handshake',
      encodeFinished(this.schedule.verifyData(secrets.client, this.transcript.current())),
    )
    this.emit({ type: 'read-keys', level: 'one-rtt', suite, secret: application.server })
    this.emit({ type: 'write-keys', level: 'one-rtt', suite, secret: application.client })
    this.emit({
      type: 'complete',
      result: {
        peerId: this.peer.peerId,
        publicKey: this.peer.publicKey,
        transportParameters: this.peerParameters as TransportParameters,
        alpn: this.protocol,
        suite,
      },
    })
    this.state = 'connected'
  }
}
