/**
 * The `/noise` ConnectionEncrypter: runs the handshake, checks the remote's
 * identity, agrees on a stream muxer when both sides offer one, and wraps
 * the connection in an EncryptedStream. A failed handshake rejects and
 * leaves the connection to the caller: the upgrader aborts it.
 */
import {
  type ComponentLogger,
  type ConnectionEncrypter,
  type Logger,
  type MessageStream,
  type PeerId,
  type PrivateKey,
  type SecureConnectionOptions,
  type SecuredConnection,
  type StreamMuxerFactory,
  serviceCapabilities,
} from '@libp2p/interface'
import { publicKeyToProtobuf } from '@weft/crypto'
import { anySignal } from '@weft/utils'
import type { NoiseCrypto, X25519KeyPair } from './crypto/index.js'
import { nodeCrypto } from './crypto/node.js'
import { EncryptedStream } from './encrypted-stream.js'
import { performHandshake, staticKeySignatureData } from './handshake.js'
import type { NoiseExtensions } from './payload.js'

export const PROTOCOL = '/noise'

export interface NoiseInit {
  /** a 32-byte X25519 private key to use as the static Noise key (default: a fresh one per instance) */
  staticNoiseKey?: Uint8Array
  extensions?: {
    /**
     * muxer protocols to offer in the handshake, most preferred first
     * (default: those of `components.upgrader`, in its order)
     */
    streamMuxers?: string[]
  }
  /** Noise prologue; both sides must use the same bytes (default: empty) */
  prologueBytes?: Uint8Array
  /** the primitives (default: node:crypto; `nobleCrypto` for runtimes without it) */
  crypto?: NoiseCrypto
  /**
   * milliseconds a handshake may take even when the caller passes no signal
   * (default 30 000; 0 disables); the caller's `options.signal` still applies
   */
  handshakeTimeout?: number
}

export const DEFAULT_HANDSHAKE_TIMEOUT = 30_000

export interface NoiseComponents {
  privateKey: PrivateKey
  peerId: PeerId
  logger: ComponentLogger
  upgrader?: { getStreamMuxers(): Map<string, StreamMuxerFactory> }
}

export class Noise implements ConnectionEncrypter<NoiseExtensions> {
  readonly protocol = PROTOCOL
  readonly [Symbol.toStringTag] = '@weft/noise'
  // js-libp2p resolves services' dependencies through these capabilities
  readonly [serviceCapabilities]: string[] = ['@libp2p/connection-encryption', '@chainsafe/libp2p-noise']

  private readonly crypto: NoiseCrypto
  private readonly staticKeyPair: X25519KeyPair
  private readonly prologue: Uint8Array
  private readonly log: Logger
  private identity?: Promise<{ key: Uint8Array; signature: Uint8Array }>

  constructor(
    private readonly components: NoiseComponents,
    private readonly init: NoiseInit = {},
  ) {
    this.crypto = init.crypto ?? nodeCrypto
    this.staticKeyPair =
      init.staticNoiseKey != null
        ? this.crypto.x25519KeyPairFromPrivateKey(init.staticNoiseKey)
        : this.crypto.generateX25519KeyPair()
    this.prologue = init.prologueBytes ?? new Uint8Array(0)
    this.log = components.logger.forComponent('weft:noise')
  }

  /** Our static X25519 public key. */
  get staticPublicKey(): Uint8Array {
    return this.staticKeyPair.publicKey
  }

  async secureOutbound(
    connection: MessageStream,
    options?: SecureConnectionOptions,
  ): Promise<SecuredConnection<NoiseExtensions>> {
    return this.secure(connection, true, options)
  }

  async secureInbound(
    connection: MessageStream,
    options?: SecureConnectionOptions,
  ): Promise<SecuredConnection<NoiseExtensions>> {
    return this.secure(connection, false, options)
  }

  private async secure(
    connection: MessageStream,
    initiator: boolean,
    options: SecureConnectionOptions = {},
  ): Promise<SecuredConnection<NoiseExtensions>> {
    const log = connection.log?.newScope?.('noise') ?? this.log
    const negotiate = options.skipStreamMuxerNegotiation !== true
    const muxers = negotiate ? this.streamMuxers() : new Map<string, StreamMuxerFactory | undefined>()
    const timeout = this.init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    const signal = anySignal([options.signal], timeout > 0 ? timeout : undefined)
    try {
      const identity = await this.signedIdentity()
      const result = await performHandshake(connection, {
        crypto: this.crypto,
        initiator,
        staticKeyPair: this.staticKeyPair,
        identityKey: identity.key,
        identitySig: identity.signature,
        prologue: this.prologue,
        streamMuxers: [...muxers.keys()],
        remotePeer: options.remotePeer,
        signal,
        log,
      })
      log(
        '%s handshake with %p done, muxer %s',
        initiator ? 'outbound' : 'inbound',
        result.remotePeer,
        result.streamMuxer,
      )
      return {
        connection: new EncryptedStream(connection, result.ciphers, { log }),
        remotePeer: result.remotePeer,
        remoteExtensions: result.remoteExtensions,
        streamMuxer: result.streamMuxer == null ? undefined : muxers.get(result.streamMuxer),
      }
    } catch (err) {
      log('%s handshake failed: %e', initiator ? 'outbound' : 'inbound', err)
      throw err
    } finally {
      signal.clear()
    }
  }

  /** The muxers to offer, in preference order, with their factories where known. */
  private streamMuxers(): Map<string, StreamMuxerFactory | undefined> {
    const available = this.components.upgrader?.getStreamMuxers() ?? new Map<string, StreamMuxerFactory>()
    const wanted = this.init.extensions?.streamMuxers
    if (wanted == null) return new Map(available)
    return new Map(wanted.map((protocol) => [protocol, available.get(protocol)]))
  }

  /** Our identity key and its signature of the static key, made once. */
  private async signedIdentity(): Promise<{ key: Uint8Array; signature: Uint8Array }> {
    this.identity ??= (async () => {
      const privateKey = this.components.privateKey
      const signature = await privateKey.sign(staticKeySignatureData(this.staticKeyPair.publicKey))
      return { key: publicKeyToProtobuf(privateKey.publicKey), signature }
    })()
    this.identity.catch(() => {
      this.identity = undefined
    })
    return this.identity
  }
}
