/**
 * The server side of the QUIC TLS 1.3 handshake (RFC 8446 §2, RFC 9001 §4):
 * a ClientHello with an X25519 share, TLS 1.3, ALPN and transport
 * parameters is answered by ServerHello, {EncryptedExtensions,
 * CertificateRequest, Certificate, CertificateVerify, Finished}; the client
 * must answer with its own certificate (libp2p authenticates both sides).
 * We never send a HelloRetryRequest: a ClientHello without an X25519 share
 * is refused with handshake_failure.
 */
import { randomBytes } from 'node:crypto'
import type { CipherSuite } from '../cipher-suite.js'
import { CryptoError, ProtocolViolationError, TlsAlert } from '../errors.js'
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
  decodeClientHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeServerHello,
  expectType,
  HandshakeType,
  TLS_1_3,
} from './handshake-message.js'
import type { TrafficSecrets } from './key-schedule.js'
import { SIGN_SCHEME, signCertificateVerify, signedContent, VERIFY_SCHEMES } from './signature.js'

type State =
  | 'wait-client-hello'
  | 'wait-certificate'
  | 'wait-certificate-verify'
  | 'wait-finished'
  | 'connected'

export class TlsServer extends HandshakeEndpoint {
  private state: State = 'wait-client-hello'
  private suite: CipherSuite | undefined
  private handshakeSecrets: TrafficSecrets | undefined
  private protocol = ''
  private peerParameters: TransportParameters | undefined

  constructor(init: HandshakeInit) {
    super(init)
  }

  protected expectedLevel(): EncryptionLevel | undefined {
    if (this.state === 'wait-client-hello') return 'initial'
    if (this.state === 'connected') return undefined
    return 'handshake'
  }

  protected async handle(
    _level: EncryptionLevel,
    type: number,
    body: Uint8Array,
    message: Uint8Array,
  ): Promise<void> {
    switch (this.state) {
      case 'wait-client-hello':
        expectType(type, HandshakeType.CLIENT_HELLO, 'ClientHello')
        this.onClientHello(body, message)
        return
      case 'wait-certificate': {
        expectType(type, HandshakeType.CERTIFICATE, 'Certificate')
        const certificate = decodeCertificate(body)
        if (certificate.context.length !== 0) {
          throw new CryptoError(
            TlsAlert.ILLEGAL_PARAMETER,
            'the client Certificate answers another request context',
          )
        }
        await this.verifyPeerCertificate(certificate)
        this.transcript.add(message)
        this.state = 'wait-certificate-verify'
        return
      }
      case 'wait-certificate-verify':
        expectType(type, HandshakeType.CERTIFICATE_VERIFY, 'CertificateVerify')
        this.checkPeerSignature('client', body)
        this.transcript.add(message)
        this.state = 'wait-finished'
        return
      case 'wait-finished': {
        expectType(type, HandshakeType.FINISHED, 'Finished')
        const secrets = this.handshakeSecrets as TrafficSecrets
        if (!this.schedule.checkFinished(secrets.client, this.transcript.current(), body)) {
          throw new CryptoError(TlsAlert.DECRYPT_ERROR, 'the client Finished does not match the transcript')
        }
        this.transcript.add(message)
        const peer = this.peer
        if (peer == null)
          throw new CryptoError(TlsAlert.CERTIFICATE_REQUIRED, 'the client did not authenticate')
        this.emit({
          type: 'complete',
          result: {
            peerId: peer.peerId,
            publicKey: peer.publicKey,
            transportParameters: this.peerParameters as TransportParameters,
            alpn: this.protocol,
            suite: this.suite as CipherSuite,
          },
        })
        this.state = 'connected'
        return
      }
      default:
        throw new CryptoError(TlsAlert.UNEXPECTED_MESSAGE, `message ${type} in state ${this.state}`)
    }
  }

  private onClientHello(body: Uint8Array, message: Uint8Array): void {
    const hello = decodeClientHello(body)
    // RFC 9001 §8.4: a QUIC client never sends a session id
    if (hello.sessionId.length !== 0)
      throw new ProtocolViolationError('a ClientHello with a legacy_session_id')
    if (hello.compressionMethods.length !== 1 || hello.compressionMethods[0] !== 0) {
      throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, 'a ClientHello with compression')
    }
    const versions = findExtension(hello.extensions, ExtensionType.SUPPORTED_VERSIONS)
    if (versions == null || !supportedVersions.decodeClient(versions).includes(TLS_1_3)) {
      throw new CryptoError(TlsAlert.PROTOCOL_VERSION, 'the client does not offer TLS 1.3')
    }
    const suite = this.cipherSuites.find((candidate) => hello.cipherSuites.includes(candidate.id))
    if (suite == null) throw new CryptoError(TlsAlert.HANDSHAKE_FAILURE, 'no cipher suite in common')
    const groups = findExtension(hello.extensions, ExtensionType.SUPPORTED_GROUPS)
    if (groups == null)
      throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'a ClientHello without supported_groups')
    supportedGroups.decode(groups)
    const schemes = findExtension(hello.extensions, ExtensionType.SIGNATURE_ALGORITHMS)
    if (schemes == null)
      throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'a ClientHello without signature_algorithms')
    if (!signatureAlgorithms.decode(schemes).includes(SIGN_SCHEME)) {
      throw new CryptoError(TlsAlert.HANDSHAKE_FAILURE, 'the client does not accept ECDSA P-256 signatures')
    }
    const shares = findExtension(hello.extensions, ExtensionType.KEY_SHARE)
    if (shares == null) throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'a ClientHello without key_share')
    const share = keyShare.decodeClient(shares).find((entry) => entry.group === NamedGroup.X25519)
    if (share == null) {
      throw new CryptoError(
        TlsAlert.HANDSHAKE_FAILURE,
        'no X25519 key share (we do not send HelloRetryRequest)',
      )
    }
    const offered = findExtension(hello.extensions, ExtensionType.ALPN)
    const protocol =
      offered == null ? undefined : this.alpn.find((ours) => alpn.decode(offered).includes(ours))
    if (protocol == null)
      throw new CryptoError(
        TlsAlert.NO_APPLICATION_PROTOCOL,
        `the client offers none of ${this.alpn.join(', ')}`,
      )
    const parameters = findExtension(hello.extensions, ExtensionType.QUIC_TRANSPORT_PARAMETERS)
    if (parameters == null)
      throw new CryptoError(TlsAlert.MISSING_EXTENSION, 'no quic_transport_parameters from the client')
    this.peerParameters = decodeTransportParameters(parameters, 'client')
    this.protocol = protocol
    this.suite = suite

    const ours = HandshakeEndpoint.keyShare()
    const secret = HandshakeEndpoint.sharedSecret(ours.privateKey, share.keyExchange)
    this.transcript.add(message)
    this.send(
      'initial',
      encodeServerHello({
        random: new Uint8Array(randomBytes(32)),
        sessionId: new Uint8Array(0),
        cipherSuite: suite.id,
        compressionMethod: 0,
        extensions: [
          supportedVersions.server(TLS_1_3),
          keyShare.server({ group: NamedGroup.X25519, keyExchange: ours.publicValue }),
        ],
      }),
    )
    const handshake = this.schedule.handshake(secret, this.transcript.current())
    this.handshakeSecrets = handshake
    this.emit({ type: 'write-keys', level: 'handshake', suite, secret: handshake.server })
    this.emit({ type: 'read-keys', level: 'handshake', suite, secret: handshake.client })

    this.send(
      'handshake',
      encodeEncryptedExtensions([
        alpn.encode([protocol]),
        transportParametersExtension(this.init.transportParameters),
      ]),
    )
    this.send(
      'handshake',
      encodeCertificateRequest({
        context: new Uint8Array(0),
        extensions: [signatureAlgorithms.encode(VERIFY_SCHEMES)],
      }),
    )
    this.send(
      'handshake',
      encodeCertificate({
        context: new Uint8Array(0),
        entries: [{ certificate: this.init.certificate.certificate, extensions: [] }],
      }),
    )
    const signature = signCertificateVerify(
      this.certificateKey,
      signedContent('server', this.transcript.current()),
    )
    this.send('handshake', encodeCertificateVerify({ scheme: SIGN_SCHEME, signature }))
    this.send(
      'handshake',
      encodeFinished(this.schedule.verifyData(handshake.server, this.transcript.current())),
    )
    const application = this.schedule.application(this.transcript.current())
    this.emit({ type: 'write-keys', level: 'one-rtt', suite, secret: application.server })
    this.emit({ type: 'read-keys', level: 'one-rtt', suite, secret: application.client })
    this.state = 'wait-certificate'
  }
}
