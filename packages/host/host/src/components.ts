/**
 * The components object: one explicit, typed record the host builds and hands
 * to every module factory (transports, encrypters, muxers, services). Each
 * module declares the narrow subset it reads; nothing is looked up by name at
 * run time.
 *
 * The interfaces of the host's own parts match the shape js-libp2p's
 * `@libp2p/interface-internal` gives them, so js-libp2p services (identify,
 * ping, …) run on a weft host unchanged.
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  ConnectionGater,
  DialTarget,
  IsDialableOptions,
  Libp2pEvents,
  Listener,
  MultiaddrConnection,
  NewStreamOptions,
  NodeInfo,
  OpenConnectionProgressEvents,
  PeerId,
  PeerRouting,
  PeerStore,
  PendingDial,
  PrivateKey,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
  StreamHandlerRecord,
  StreamMiddleware,
  Topology,
  Transport,
  TransportManagerDialProgressEvents,
  TypedEventTarget,
  Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ResourceManager } from './resource-manager/resource-manager.js'

/** `onProgress` as js-libp2p's progress-events define it, without the dependency. */
export interface ProgressOptions<Event extends { type: string; detail: unknown }> {
  onProgress?: (event: Event) => void
}

export interface Registrar {
  getProtocols(): string[]
  handle(protocol: string | string[], handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string | string[], options?: AbortOptions): Promise<void>
  getHandler(protocol: string): StreamHandlerRecord
  use(protocol: string, middleware: StreamMiddleware | StreamMiddleware[]): void
  unuse(protocol: string): void
  getMiddleware(protocol: string): StreamMiddleware[]
  register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
  unregister(id: string): void
  getTopologies(protocol: string): Topology[]
}

export interface OpenConnectionOptions extends AbortOptions, ProgressOptions<OpenConnectionProgressEvents> {
  /** ignored: dials run in arrival order (kept for js-libp2p compatibility) */
  priority?: number
  /** dial even when a connection to the peer is already open */
  force?: boolean
  /** multistream-select role override, passed on to the upgrader */
  initiator?: boolean
  /**
   * false: a dial by peer id tries the given (or known) addresses only, not
   * the rest of the connection ladder (a rung's own dials use this)
   */
  ladder?: boolean
  /** which local port the transport dials from (see `PortUse`) */
  portUse?: PortUse
}

/**
 * Which local port a dial leaves from: `'new'`, a port of its own for this
 * dial; `'reuse'` (or unset), the transport's choice (QUIC dials from its
 * listening socket, so a punched path is reused). An AutoNAT dial-back asks
 * for `'new'`: an answer from the very port the peer reached passes a
 * port-restricted NAT and proves nothing about reachability.
 */
export type PortUse = 'new' | 'reuse'

export interface ConnectionManager {
  getConnections(peerId?: PeerId): Connection[]
  getConnectionsMap(): ReadonlyMap<string, Connection[]>
  getMaxConnections(): number
  setMaxConnections(maxConnections: number): void
  openConnection(target: DialTarget, options?: OpenConnectionOptions): Promise<Connection>
  openStream(
    target: DialTarget,
    protocol: string | string[],
    options?: OpenConnectionOptions & NewStreamOptions,
  ): Promise<Stream>
  closeConnections(peer: PeerId, options?: AbortOptions): Promise<void>
  acceptIncomingConnection(maConn: MultiaddrConnection): boolean
  /** `maConn`: the connection `acceptIncomingConnection` admitted, so per-address counts follow it */
  afterUpgradeInbound(maConn?: MultiaddrConnection): void
  getDialQueue(): PendingDial[]
  isDialable(multiaddr: Multiaddr | Multiaddr[], options?: IsDialableOptions): Promise<boolean>
}

export interface AddressManager {
  getListenAddrs(): Multiaddr[]
  getAnnounceAddrs(): Multiaddr[]
  getObservedAddrs(): Multiaddr[]
  addObservedAddr(addr: Multiaddr): void
  confirmObservedAddr(addr: Multiaddr): void
  removeObservedAddr(addr: Multiaddr): void
  /** every address we tell others about, each ending in `/p2p/<our peer id>` */
  getAddresses(): Multiaddr[]
}

export interface TransportManagerDialOptions
  extends AbortOptions,
    ProgressOptions<TransportManagerDialProgressEvents> {
  /** the upgrader handed to the transport (default: the host's) */
  upgrader?: Upgrader
  /** which local port the transport dials from (`PortUse`), passed on to it */
  portUse?: PortUse
}

export interface TransportManager {
  add(transport: Transport): void
  dial(ma: Multiaddr, options?: TransportManagerDialOptions): Promise<Connection>
  getAddrs(): Multiaddr[]
  getTransports(): Transport[]
  getListeners(): Listener[]
  dialTransportForMultiaddr(ma: Multiaddr): Transport | undefined
  listenTransportForMultiaddr(ma: Multiaddr): Transport | undefined
  listen(addrs: Multiaddr[]): Promise<void>
  remove(key: string): Promise<void>
  removeAll(): Promise<void>
}

/**
 * A key-value store a module may persist to. The host keeps its own state in
 * memory when none is given; the shape matches the parts of `interface-datastore`
 * weft modules use, so a js `Datastore` fits.
 */
export interface Datastore {
  get(key: unknown, options?: AbortOptions): unknown
  put(key: unknown, value: Uint8Array, options?: AbortOptions): unknown
  has(key: unknown, options?: AbortOptions): unknown
  delete(key: unknown, options?: AbortOptions): unknown
}

/**
 * Everything the host hands to module factories. Every field is there when a
 * module starts or is used. While the host is being built, reading one of its
 * parts (`peerStore` … `upgrader`) before the host created it throws
 * `ComponentNotReadyError`; it creates them in the order listed, then stream
 * muxers and connection encrypters, then the upgrader, then transports and
 * services. So of the modules only a stream muxer or connection encrypter
 * that reads `upgrader` in its factory can meet the error (Noise reads it
 * during a handshake). Only `datastore` may be absent: it is configuration.
 */
export interface Components {
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  /** the host itself: events dispatched here reach the host's listeners */
  events: TypedEventTarget<Libp2pEvents>
  nodeInfo: NodeInfo
  connectionGater: ConnectionGater
  datastore?: Datastore
  /**
   * `host.peerRouting`: asks every service that offers peer routing (a DHT).
   * It exists from the start; the routers join once the services are built,
   * so a module calls it when it runs, not in its factory.
   */
  peerRouting: PeerRouting
  /**
   * The host's resource manager: a muxer, encrypter or service finds the span
   * of the connection or stream it works for with `scopeOf(channel)` and
   * reserves memory there before it buffers. Always set by the host; optional
   * only so hand-built components (tests, custom hosts) may leave it out.
   */
  resourceManager?: ResourceManager
  peerStore: PeerStore
  registrar: Registrar
  transportManager: TransportManager
  addressManager: AddressManager
  connectionManager: ConnectionManager
  upgrader: Upgrader
}
