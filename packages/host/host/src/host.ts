/**
 * The host: implements @libp2p/interface's `Libp2p` on top of its parts,
 * which `buildHostParts` (host-parts.ts) creates from the init: the
 * components, then the configured modules from their factories. `start()`
 * and `stop()` run the sequences in lifecycle.ts: every startable module's
 * `beforeStart`/`start`, then the listeners, then `afterStart`; stop mirrors
 * it and leaves no socket or timer behind.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type ContentRouting,
  type DialOptions,
  type DialProtocolOptions,
  type DialTarget,
  type Ed25519PeerId,
  type Ed25519PublicKey,
  type IsDialableOptions,
  isPeerId,
  type Libp2p,
  type Libp2pEvents,
  type Libp2pStatus,
  type Logger,
  type PeerId,
  type PeerRouting,
  type PendingDial,
  type PrivateKey,
  type PublicKey,
  type RSAPeerId,
  type RSAPublicKey,
  type Secp256k1PeerId,
  type Secp256k1PublicKey,
  type ServiceMap,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  type StreamMiddleware,
  setMaxListeners,
  type Topology,
  TypedEventEmitter,
  type TypedEventTarget,
  type URLPeerId,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'
import type { AddressManager } from './address-manager.js'
import type { Components } from './components.js'
import type { ConnectionManager } from './connection-manager.js'
import { dialTarget, toMultiaddr } from './dial-target.js'
import { InvalidParametersError, NotFoundError } from './errors.js'
import type { HostInit } from './host-init.js'
import { buildHostParts, type HostParts } from './host-parts.js'
import { peerIdFromAddress } from './internal/addresses.js'
import { checkDependencies, startParts, stopParts } from './lifecycle.js'
import type { PeerStore } from './peer-store/peer-store.js'
import type { Registrar } from './registrar.js'
import type { ResourceManager } from './resource-manager/resource-manager.js'

export { VERSION } from './config.js'
export type {
  HostConnectionManagerInit,
  HostInit,
  HostTransportManagerInit,
  ModuleFactory,
  ServiceFactoryMap,
} from './host-init.js'

/** Whether others can dial this host, as a reachability service (AutoNAT) found out. */
export type Reachability = 'unknown' | 'public' | 'private'

/** The event a reachability service dispatches on the host (detail: a `Reachability`). */
export const REACHABILITY_EVENT = 'weft:reachability'

export class Host<T extends ServiceMap = ServiceMap>
  extends TypedEventEmitter<Libp2pEvents<T>>
  implements Libp2p<T>
{
  readonly [Symbol.toStringTag] = '@weft/host'
  readonly peerId: PeerId
  readonly peerStore: PeerStore
  readonly peerRouting: PeerRouting
  readonly contentRouting: ContentRouting
  readonly logger: ComponentLogger
  readonly services: T
  /** the components handed to every module (exposed for tests and advanced wiring) */
  readonly components: Components
  /** the limits every connection and stream is held to, and `stat()` of what they hold */
  readonly resourceManager: ResourceManager
  status: Libp2pStatus = 'stopped'
  private currentReachability: Reachability = 'unknown'

  private readonly parts: HostParts<T>
  private readonly registrar: Registrar
  private readonly addressManager: AddressManager
  private readonly connectionManager: ConnectionManager
  private readonly listen: Multiaddr[]
  private readonly log: Logger

  constructor(init: HostInit<T> & { privateKey: PrivateKey }) {
    super()
    setMaxListeners(Number.POSITIVE_INFINITY, this)
    const logger = init.logger ?? defaultLogger()
    this.logger = logger
    this.log = logger.forComponent('weft:host')
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.listen = (init.addresses?.listen ?? []).map((address) => toMultiaddr(address))
    this.parts = buildHostParts(init, {
      peerId: this.peerId,
      privateKey: init.privateKey,
      logger,
      events: this as unknown as TypedEventTarget<Libp2pEvents>,
    })
    this.components = this.parts.components
    this.peerStore = this.parts.peerStore
    this.registrar = this.parts.registrar
    this.addressManager = this.parts.addressManager
    this.connectionManager = this.parts.connectionManager
    this.resourceManager = this.parts.resourceManager
    this.services = this.parts.services
    this.peerRouting = this.parts.peerRouting
    this.contentRouting = this.parts.contentRouting
    // not one of Libp2pEvents: @weft/autonat dispatches it on the host's bus
    ;(this as unknown as EventTarget).addEventListener(REACHABILITY_EVENT, (evt) => {
      const detail = (evt as CustomEvent<unknown>).detail
      if (detail === 'unknown' || detail === 'public' || detail === 'private')
        this.currentReachability = detail
    })
  }

  /**
   * `'public'` or `'private'` once a reachability service (AutoNAT) decided,
   * `'unknown'` before that and after `stop()`; follows its `weft:reachability`
   * events. Read-only.
   */
  get reachability(): Reachability {
    return this.currentReachability
  }

  async start(): Promise<void> {
    if (this.status !== 'stopped') return
    checkDependencies(this.parts)
    this.status = 'starting'
    try {
      await startParts(this.parts, this.listen)
    } catch (err) {
      this.log.error('start failed, stopping: %s', (err as Error).message)
      this.status = 'started'
      await this.stop().catch(() => {})
      throw err
    }
    this.status = 'started'
    this.safeDispatchEvent('start', { detail: this })
  }

  async stop(): Promise<void> {
    if (this.status !== 'started') return
    this.status = 'stopping'
    await stopParts(this.parts, this.log)
    this.currentReachability = 'unknown'
    this.status = 'stopped'
    this.safeDispatchEvent('stop', { detail: this })
  }
  getMultiaddrs(): Multiaddr[] {
    return this.addressManager.getAddresses()
  }

  getProtocols(): string[] {
    return this.registrar.getProtocols()
  }

  getConnections(peerId?: PeerId): Connection[] {
    return this.connectionManager.getConnections(peerId)
  }

  getDialQueue(): PendingDial[] {
    return this.connectionManager.getDialQueue()
  }

  getPeers(): PeerId[] {
    const peers = new Map<string, PeerId>()
    for (const connection of this.connectionManager.getConnections()) {
      peers.set(connection.remotePeer.toString(), connection.remotePeer)
    }
    return [...peers.values()]
  }

  /**
   * Opens (or reuses) a connection. Besides a `PeerId` or `Multiaddr`(s), takes
   * multiaddr strings such as `'/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…'`.
   *
   * @throws InvalidMultiaddrError when a string is not a multiaddr
   */
  async dial(target: DialTarget | string | string[], options: DialOptions = {}): Promise<Connection> {
    return this.connectionManager.openConnection(dialTarget(target), options)
  }

  /** Dials (see `dial`, strings included) and opens a stream for the first protocol the remote supports. */
  async dialProtocol(
    target: DialTarget | string | string[],
    protocols: string | string[],
    options: DialProtocolOptions = {},
  ): Promise<Stream> {
    const list = Array.isArray(protocols) ? protocols : [protocols]
    if (list.length === 0 || list.some((protocol) => typeof protocol !== 'string' || protocol === '')) {
      throw new InvalidParametersError('dialProtocol needs at least one protocol')
    }
    const connection = await this.dial(target, options as DialOptions)
    return connection.newStream(list, options)
  }

  /** Closes every connection to a peer, named by its `PeerId` or an address (or multiaddr string) ending in `/p2p/<id>`. */
  async hangUp(peer: PeerId | Multiaddr | string, options?: AbortOptions): Promise<void> {
    const peerId = isPeerId(peer) ? peer : peerIdFromAddress(toMultiaddr(peer))
    if (peerId == null) throw new InvalidParametersError(`${peer.toString()} names no peer to hang up on`)
    await this.connectionManager.closeConnections(peerId, options)
  }

  async handle(
    protocols: string | string[],
    handler: StreamHandler,
    options?: StreamHandlerOptions,
  ): Promise<void> {
    await this.registrar.handle(protocols, handler, options)
  }

  async unhandle(protocols: string | string[], options?: AbortOptions): Promise<void> {
    await this.registrar.unhandle(protocols, options)
  }

  async register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string> {
    return this.registrar.register(protocol, topology, options)
  }

  unregister(id: string): void {
    this.registrar.unregister(id)
  }

  use(protocol: string, middleware: StreamMiddleware | StreamMiddleware[]): void {
    this.registrar.use(protocol, middleware)
  }

  unuse(protocol: string): void {
    this.registrar.unuse(protocol)
  }

  getPublicKey(peer: Ed25519PeerId, options?: AbortOptions): Promise<Ed25519PublicKey>
  getPublicKey(peer: Secp256k1PeerId, options?: AbortOptions): Promise<Secp256k1PublicKey>
  getPublicKey(peer: RSAPeerId, options?: AbortOptions): Promise<RSAPublicKey>
  getPublicKey(peer: URLPeerId, options?: AbortOptions): Promise<never>
  getPublicKey(peer: PeerId, options?: AbortOptions): Promise<PublicKey>
  async getPublicKey(peer: PeerId, options?: AbortOptions): Promise<PublicKey> {
    if (peer.publicKey != null) return peer.publicKey
    const stored = await this.peerStore.get(peer, options).catch(() => undefined)
    if (stored?.id.publicKey != null) return stored.id.publicKey
    throw new NotFoundError(`the public key of ${peer.toString()} is not known`)
  }

  async isDialable(multiaddr: Multiaddr | Multiaddr[], options?: IsDialableOptions): Promise<boolean> {
    return this.connectionManager.isDialable(multiaddr, options)
  }
}

/**
 * Creates a host; starts it unless `start: false`.
 *
 * @throws UnsupportedListenAddressError when no transport can listen on an address of `addresses.listen`
 * @throws ListenError when a listener cannot bind
 */
export async function createHost<T extends ServiceMap = ServiceMap>(
  init: HostInit<T> = {},
): Promise<Host<T>> {
  const privateKey = init.privateKey ?? (await generateKeyPair('Ed25519'))
  const host = new Host<T>({ ...init, privateKey })
  if (init.start !== false) await host.start()
  return host
}
