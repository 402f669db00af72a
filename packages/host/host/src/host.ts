/**
 * The host: builds the components in order, creates the configured modules
 * from their factories, and implements @libp2p/interface's `Libp2p` on top of
 * them. `start()` runs every startable module's `beforeStart`/`start`, then
 * opens the listeners, then `afterStart`; `stop()` mirrors it and leaves no
 * socket or timer behind.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type ConnectionEncrypter,
  type ConnectionGater,
  type ContentRouting,
  type DialOptions,
  type DialProtocolOptions,
  type DialTarget,
  type Ed25519PeerId,
  type Ed25519PublicKey,
  type IsDialableOptions,
  isPeerId,
  isStartable,
  type Libp2p,
  type Libp2pEvents,
  type Libp2pStatus,
  type Logger,
  type NodeInfo,
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
  type Startable,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  type StreamMiddleware,
  type StreamMuxerFactory,
  setMaxListeners,
  type Topology,
  type Transport,
  TypedEventEmitter,
  type TypedEventTarget,
  type URLPeerId,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'
import { AddressManager, type AddressManagerInit } from './address-manager.js'
import type { Components, Datastore } from './components.js'
import type { ConnectionInit } from './connection.js'
import { ConnectionManager, type ConnectionManagerInit } from './connection-manager.js'
import {
  InvalidMultiaddrError,
  InvalidParametersError,
  NotFoundError,
  UnmetServiceDependenciesError,
} from './errors.js'
import { peerIdFromAddress } from './internal/addresses.js'
import { ComponentsBuilder } from './internal/components-builder.js'
import { findUnmetDependency, type NamedModule, providerHint } from './internal/service-dependencies.js'
import { findDiscoveries, PeerDiscoveryRelay } from './peer-discovery.js'
import { PeerStore, type PeerStoreInit } from './peer-store/peer-store.js'
import { Registrar, type RegistrarInit } from './registrar.js'
import { CompoundContentRouting, CompoundPeerRouting, findRouters } from './routing.js'
import { TransportManager } from './transport-manager.js'
import { Upgrader } from './upgrader.js'

export const VERSION = '0.1.0'

/** A module factory: gets the host's components, returns the module. */
export type ModuleFactory<M> = (components: Components) => M

export type ServiceFactoryMap<T extends ServiceMap = ServiceMap> = { [K in keyof T]: ModuleFactory<T[K]> }

export interface HostConnectionManagerInit
  extends ConnectionManagerInit,
    Pick<
      ConnectionInit,
      'inboundStreamProtocolNegotiationTimeout' | 'outboundStreamProtocolNegotiationTimeout' | 'closeTimeout'
    > {
  /** ms an inbound connection may take to be secured and multiplexed (default 3 000) */
  inboundUpgradeTimeout?: number
}

/** How the host closes its listeners when it stops. */
export interface HostTransportManagerInit {
  /** ms a listener may take to close when the host stops before it is left behind (default 5 000) */
  listenerCloseTimeout?: number
}

export interface HostInit<T extends ServiceMap = ServiceMap> {
  /** the host's identity (default: a new Ed25519 key) */
  privateKey?: PrivateKey
  addresses?: Omit<AddressManagerInit, 'maxObservedAddresses'> & { listen?: Array<string | Multiaddr> }
  transports?: Array<ModuleFactory<Transport>>
  connectionEncrypters?: Array<ModuleFactory<ConnectionEncrypter>>
  streamMuxers?: Array<ModuleFactory<StreamMuxerFactory>>
  services?: ServiceFactoryMap<T>
  connectionManager?: HostConnectionManagerInit
  /** `maxHandlers` and `maxTopologies` (default 1024 each) */
  registrar?: RegistrarInit
  transportManager?: HostTransportManagerInit
  connectionGater?: ConnectionGater
  peerStore?: PeerStoreInit
  datastore?: Datastore
  nodeInfo?: Partial<NodeInfo>
  /** start before `createHost` resolves (default true) */
  start?: boolean
  logger?: ComponentLogger
}

function defaultNodeInfo(init?: Partial<NodeInfo>): NodeInfo {
  const name = init?.name ?? 'weft'
  const version = init?.version ?? VERSION
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node
  return {
    name,
    version,
    userAgent: init?.userAgent ?? `${name}/${version}${node == null ? '' : ` node/${node}`}`,
  }
}

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
  status: Libp2pStatus = 'stopped'
  private currentReachability: Reachability = 'unknown'

  private readonly registrar: Registrar
  private readonly addressManager: AddressManager
  private readonly transportManager: TransportManager
  private readonly connectionManager: ConnectionManager
  private readonly modules: NamedModule[]
  private readonly discovery: PeerDiscoveryRelay
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

    // The host's parts are getters until set (ComponentNotReadyError before):
    // each keeps the components object and reads the others when it uses them.
    const builder = new ComponentsBuilder({
      peerId: this.peerId,
      privateKey: init.privateKey,
      logger,
      events: this as unknown as TypedEventTarget<Libp2pEvents>,
      nodeInfo: defaultNodeInfo(init.nodeInfo),
      connectionGater: init.connectionGater ?? {},
      datastore: init.datastore,
    })
    const components = builder.components
    this.components = components
    this.peerStore = builder.set('peerStore', new PeerStore(components, init.peerStore))
    this.registrar = builder.set('registrar', new Registrar(components, init.registrar))
    this.transportManager = builder.set(
      'transportManager',
      new TransportManager(components, init.transportManager),
    )
    this.addressManager = builder.set('addressManager', new AddressManager(components, init.addresses))
    this.connectionManager = builder.set(
      'connectionManager',
      new ConnectionManager(components, init.connectionManager),
    )

    // Muxers and encrypters come before the upgrader that holds them; Noise
    // reads `components.upgrader` (for its muxers) only during a handshake.
    const cm = init.connectionManager ?? {}
    const streamMuxers = (init.streamMuxers ?? []).map((factory) => factory(components))
    const encrypters = (init.connectionEncrypters ?? []).map((factory) => factory(components))
    builder.set(
      'upgrader',
      new Upgrader(components, {
        connectionEncrypters: encrypters,
        streamMuxers,
        inboundUpgradeTimeout: cm.inboundUpgradeTimeout,
        inboundStreamProtocolNegotiationTimeout: cm.inboundStreamProtocolNegotiationTimeout,
        outboundStreamProtocolNegotiationTimeout: cm.outboundStreamProtocolNegotiationTimeout,
        closeTimeout: cm.closeTimeout,
      }),
    )
    const transports = (init.transports ?? []).map((factory) => factory(components))
    for (const transport of transports) this.transportManager.add(transport)

    const services: Record<string, unknown> = {}
    for (const [name, factory] of Object.entries(init.services ?? {}) as Array<
      [string, ModuleFactory<unknown>]
    >) {
      services[name] = factory(components)
    }
    this.services = services as T
    const { peerRouters, contentRouters } = findRouters(services)
    this.peerRouting = new CompoundPeerRouting(peerRouters)
    this.contentRouting = new CompoundContentRouting(contentRouters)
    this.modules = [
      ...streamMuxers.map((module, index) => ({ name: `streamMuxers[${index}]`, module })),
      ...encrypters.map((module, index) => ({ name: `connectionEncrypters[${index}]`, module })),
      ...transports.map((module, index) => ({ name: `transports[${index}]`, module })),
      ...Object.entries(services).map(([name, module]) => ({ name: `services.${name}`, module })),
    ]
    this.discovery = new PeerDiscoveryRelay(components, findDiscoveries(services))
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
    // before anything starts: a DHT without identify would otherwise run and find nothing
    const unmet = findUnmetDependency(this.modules)
    if (unmet != null) {
      throw new UnmetServiceDependenciesError(unmet.service, unmet.capability, providerHint(unmet.capability))
    }
    this.status = 'starting'
    const startables = this.startables()
    try {
      await this.peerStore.start()
      this.discovery.start()
      this.connectionManager.start()
      await Promise.all(startables.map(async (module) => module.beforeStart?.()))
      await Promise.all(startables.map(async (module) => module.start()))
      // listen only once every service has registered its handlers
      await this.transportManager.listen(this.listen)
      await Promise.all(startables.map(async (module) => module.afterStart?.()))
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
    const startables = this.startables()
    await settleAll(
      startables.map(async (module) => module.beforeStop?.()),
      this.log,
    )
    this.discovery.stop()
    await this.transportManager.stop()
    await this.connectionManager.stop()
    await settleAll(
      startables.map(async (module) => module.stop()),
      this.log,
    )
    await settleAll(
      startables.map(async (module) => module.afterStop?.()),
      this.log,
    )
    await this.peerStore.stop().catch((err: Error) => this.log.error('peer store: %s', err.message))
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

  private startables(): Startable[] {
    return this.modules
      .map(({ module }) => module)
      .filter((module): module is Startable => isStartable(module))
  }
}

/** A dial target with its strings parsed as multiaddrs. */
function dialTarget(target: DialTarget | string | string[]): DialTarget {
  if (typeof target === 'string') return toMultiaddr(target)
  if (Array.isArray(target)) return target.map((address: Multiaddr | string) => toMultiaddr(address))
  return target
}

/** `address` itself, or the multiaddr a string spells; a string that spells none throws `InvalidMultiaddrError`. */
function toMultiaddr(address: Multiaddr | string): Multiaddr {
  if (typeof address !== 'string') return address
  if (!address.startsWith('/')) {
    // the usual slip: a bare peer id where an address was meant
    throw new InvalidMultiaddrError(
      `"${address}" is not a multiaddr: one starts with "/", e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer id>` +
        ' (to dial a known peer by id, pass peerIdFromString(id))',
    )
  }
  try {
    const parsed = multiaddr(address)
    if (parsed.getComponents().length > 0) return parsed
  } catch (err) {
    throw new InvalidMultiaddrError(`"${address}" is not a multiaddr: ${(err as Error).message}`)
  }
  throw new InvalidMultiaddrError(`"${address}" is not a multiaddr: it names no protocol`)
}

/** Waits for every promise and logs failures: stopping carries on past a failing module. */
async function settleAll(promises: Array<Promise<unknown>>, log: Logger): Promise<void> {
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === 'rejected')
      log.error('a module failed to stop: %s', (result.reason as Error)?.message)
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
