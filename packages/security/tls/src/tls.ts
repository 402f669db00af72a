/**
 * The `/tls/1.0.0` ConnectionEncrypter (libp2p/specs tls/tls.md): TLS 1.3 on
 * node:tls over the raw connection, both sides presenting a libp2p
 * certificate, verified by us (not by OpenSSL: `rejectUnauthorized: false`).
 *
 * Muxers travel in ALPN (connections/inlined-muxer-negotiation.md): the
 * client offers its muxers then `libp2p`; the server picks the client's first
 * choice it supports. `libp2p` means "negotiate the muxer afterwards", so the
 * upgrader runs multistream-select on the secured stream.
 */
import { constants } from 'node:crypto'
import { connect, createSecureContext, type SecureContext, TLSSocket } from 'node:tls'
import {
  type ComponentLogger,
  type ConnectionEncrypter,
  InvalidCryptoExchangeError,
  type Logger,
  type MessageStream,
  type PeerId,
  type PrivateKey,
  type SecureConnectionOptions,
  type SecuredConnection,
  type StreamMuxerFactory,
  serviceCapabilities,
  UnexpectedPeerError,
} from '@libp2p/interface'
import { generateCertificate, type VerifiedCertificate, verifyCertificate } from './certificate.js'
import { MessageStreamDuplex } from './duplex.js'
import { HandshakeTimeoutError, InvalidCertificateError } from './errors.js'
import { TlsStream } from './tls-stream.js'

export const PROTOCOL = '/tls/1.0.0'
/** The ALPN protocol of the spec; as the last offer it means "no early muxer". */
export const ALPN_LIBP2P = 'libp2p'
export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000
export const DEFAULT_CLOSE_TIMEOUT = 5_000

export interface TlsInit {
  /**
   * muxer protocols to offer in ALPN, most preferred first (default: those of
   * `components.upgrader`, in its order)
   */
  streamMuxers?: string[]
  /** ms a handshake may take (default 30 000; 0 = only the caller's signal) */
  handshakeTimeout?: number
  /** ms a graceful close of the secured stream may take (default 5 000) */
  closeTimeout?: number
}

export interface TlsComponents {
  privateKey: PrivateKey
  peerId: PeerId
  logger: ComponentLogger
  upgrader?: { getStreamMuxers(): Map<string, StreamMuxerFactory> }
}

interface Identity {
  context: SecureContext
}

export class Tls implements ConnectionEncrypter {
  readonly protocol = PROTOCOL
  readonly [Symbol.toStringTag] = '@weft/tls'
  readonly [serviceCapabilities]: string[] = ['@libp2p/connection-encryption', '@libp2p/tls']

  private readonly log: Logger
  private identity?: Promise<Identity>

  constructor(
    private readonly components: TlsComponents,
    private readonly init: TlsInit = {},
  ) {
    this.log = components.logger.forComponent('weft:tls')
  }

  async secureOutbound(
    connection: MessageStream,
    options?: SecureConnectionOptions,
  ): Promise<SecuredConnection> {
    return this.secure(connection, true, options)
  }

  async secureInbound(
    connection: MessageStream,
    options?: SecureConnectionOptions,
  ): Promise<SecuredConnection> {
    return this.secure(connection, false, options)
  }

  private async secure(
    connection: MessageStream,
    initiator: boolean,
    options: SecureConnectionOptions = {},
  ): Promise<SecuredConnection> {
    const log = connection.log?.newScope?.('tls') ?? this.log
    const direction = initiator ? 'outbound' : 'inbound'
    const muxers = options.skipStreamMuxerNegotiation === true ? new Map() : this.streamMuxers()
    const timeout = this.init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    const duplex = new MessageStreamDuplex(connection)
    let socket: TLSSocket | undefined
    try {
      const { context } = await this.ownIdentity()
      socket = initiator ? startClient(duplex, context, muxers) : startServer(duplex, context, muxers)
      await handshakeDone(socket, initiator, options.signal, timeout)
      const verified = await verifyPeer(socket)
      if (options.remotePeer != null && !options.remotePeer.equals(verified.peerId)) {
        throw new UnexpectedPeerError(
          `expected peer ${options.remotePeer.toString()}, the certificate proves ${verified.peerId.toString()}`,
        )
      }
      const alpn = socket.alpnProtocol
      const streamMuxer = typeof alpn === 'string' && alpn !== ALPN_LIBP2P ? muxers.get(alpn) : undefined
      log('%s handshake with %p done, ALPN %s', direction, verified.peerId, alpn)
      const secured = new TlsStream(socket, connection, {
        log,
        closeTimeout: this.init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      })
      return { connection: secured, remotePeer: verified.peerId, streamMuxer }
    } catch (err) {
      log('%s handshake failed: %e', direction, err)
      duplex.detach()
      socket?.destroy()
      throw err
    }
  }

  /** The muxers to offer or accept in ALPN, in preference order, with their factories. */
  private streamMuxers(): Map<string, StreamMuxerFactory | undefined> {
    const available = this.components.upgrader?.getStreamMuxers() ?? new Map<string, StreamMuxerFactory>()
    const wanted = this.init.streamMuxers
    const map = wanted == null ? new Map(available) : new Map(wanted.map((p) => [p, available.get(p)]))
    map.delete(ALPN_LIBP2P)
    return map
  }

  /** Our certificate and TLS context, made once per encrypter (the spec allows reuse). */
  private async ownIdentity(): Promise<Identity> {
    this.identity ??= (async () => {
      const certificate = await generateCertificate(this.components.privateKey)
      const context = createSecureContext({
        cert: certificate.certificatePem,
        key: certificate.privateKeyPem,
        minVersion: 'TLSv1.3',
        // no session resumption: every connection proves its peer anew
        secureOptions: constants.SSL_OP_NO_TICKET,
      })
      return { context }
    })()
    this.identity.catch(() => {
      this.identity = undefined
    })
    return this.identity
  }
}

function alpnOffer(muxers: Map<string, unknown>): string[] {
  return [...muxers.keys(), ALPN_LIBP2P]
}

function startClient(
  duplex: MessageStreamDuplex,
  context: SecureContext,
  muxers: Map<string, unknown>,
): TLSSocket {
  return connect({
    socket: duplex,
    secureContext: context,
    minVersion: 'TLSv1.3',
    ALPNProtocols: alpnOffer(muxers),
    rejectUnauthorized: false,
    // the spec forbids SNI for this version of the handshake
    servername: '',
    checkServerIdentity: () => undefined,
  })
}

function startServer(
  duplex: MessageStreamDuplex,
  context: SecureContext,
  muxers: Map<string, unknown>,
): TLSSocket {
  const acceptable = new Set(alpnOffer(muxers))
  return new TLSSocket(duplex, {
    isServer: true,
    secureContext: context,
    requestCert: true,
    rejectUnauthorized: false,
    // the client's first choice we support (inlined-muxer-negotiation.md); none: the handshake fails
    ALPNCallback: ({ protocols }: { protocols: string[] }) => protocols.find((p) => acceptable.has(p)),
  } as ConstructorParameters<typeof TLSSocket>[1])
}

/**
 * Resolves when the TLS handshake finished; rejects on an error, a close, the
 * caller's signal (with its reason) or after `timeout` ms (HandshakeTimeoutError).
 */
async function handshakeDone(
  socket: TLSSocket,
  initiator: boolean,
  signal: AbortSignal | undefined,
  timeout: number,
): Promise<void> {
  const doneEvent = initiator ? 'secureConnect' : 'secure'
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (err?: Error): void => {
      clearTimeout(timer)
      socket.off(doneEvent, onDone)
      socket.off('error', onError)
      socket.off('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      if (err == null) resolve()
      else reject(err)
    }
    const onDone = (): void => finish()
    const onError = (err: Error): void =>
      finish(new InvalidCryptoExchangeError(`TLS handshake failed: ${err.message}`))
    const onClose = (): void =>
      finish(new InvalidCryptoExchangeError('the connection closed during the TLS handshake'))
    const onAbort = (): void => finish(signal?.reason as Error)
    if (signal?.aborted === true) {
      onAbort()
      return
    }
    socket.once(doneEvent, onDone)
    socket.once('error', onError)
    socket.once('close', onClose)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeout > 0) {
      timer = setTimeout(
        () => finish(new HandshakeTimeoutError(`the TLS handshake took longer than ${timeout} ms`)),
        timeout,
      )
    }
  })
}

/** Exactly one certificate, and it proves a libp2p identity. */
async function verifyPeer(socket: TLSSocket): Promise<VerifiedCertificate> {
  const certificate = socket.getPeerCertificate(true)
  if (certificate?.raw == null) {
    throw new InvalidCertificateError('missing-certificate', 'the remote sent no certificate')
  }
  const issuer = certificate.issuerCertificate
  if (issuer != null && issuer !== certificate && !issuer.raw.equals(certificate.raw)) {
    throw new InvalidCertificateError('chain-length', 'the remote sent more than one certificate')
  }
  return verifyCertificate(new Uint8Array(certificate.raw))
}
