/**
 * @weft/host: `createHost()`, the weft host. It implements @libp2p/interface's
 * `Libp2p` and takes `createLibp2p`'s option names, so a js-libp2p program
 * switches by changing imports.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { tcp } from '@weft/tcp'
 * import { noise } from '@weft/noise'
 * import { yamux } from '@weft/yamux'
 *
 * const host = await createHost({
 *   addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
 *   transports: [tcp()],
 *   connectionEncrypters: [noise()],
 *   streamMuxers: [yamux()],
 * })
 * await host.handle('/echo/1.0.0', async (stream) => {
 *   for await (const chunk of stream) stream.send(chunk)
 *   await stream.close()
 * })
 * const stream = await host.dialProtocol(otherHost.getMultiaddrs()[0], '/echo/1.0.0')
 * await host.stop()
 * ```
 *
 * Options (`HostInit`): `privateKey` (default: new Ed25519 key);
 * `addresses: { listen, announce, appendAnnounce, noAnnounce, announceFilter }`;
 * `transports`, `connectionEncrypters`, `streamMuxers` and `services` (module
 * factories, each given the typed `Components` object); `connectionManager:
 * { maxConnections = 300, maxIncomingPendingConnections = 10,
 * maxIncomingPendingConnectionsPerAddress = 3 (per remote IP; per relay and per
 * claimed peer for a circuit), maxIncomingPendingRelayedConnections = half of
 * maxIncomingPendingConnections, dialTimeout =
 * 5 s, inboundUpgradeTimeout = 3 s, maxParallelDials = 100,
 * maxDialQueueLength = 500, maxPeerAddrsToDial = 25, maxDialsPerPeer = 4,
 * minConnections = 10 (low watermark: auto-dial known and discovered peers
 * below it; 0 = off), autoDialInterval = 10 s, autoDialConcurrency = 2,
 * autoDialRetryDelay = 10 s (doubling per failure), autoDialMaxRetryDelay = 5 min,
 * addressDialDelay = 250 ms, inboundStreamProtocolNegotiationTimeout = 10 s,
 * outboundStreamProtocolNegotiationTimeout = 10 s, closeTimeout = 2 s,
 * duplicateConnectionCloseDelay = 500 ms (of two connections two peers dialed
 * at once, the one the larger peer id dialed is closed once idle) }`;
 * `registrar: { maxHandlers = 1024, maxTopologies = 1024 }`;
 * `resources: { system, transient, peer, protocol, protocols, connection,
 * stream, connectionMemory, streamMemory }` (limits per scope, defaults scaled
 * to the machine; `false` lifts them; a refusal throws `ResourceLimitError`
 * naming the scope; `host.resourceManager.stat()` reports usage);
 * `transportManager: { listenerCloseTimeout = 5 s }`; `connectionGater`; `peerStore: { maxPeers = 10 000, path, addressTtl = 24 h,
 * maxAddresses, maxProtocols, maxMetadataEntries, maxTags, backend }` (in
 * memory by default; in the host's `datastore` when it is an
 * interface-datastore `Datastore`; in a LevelDB at `path`, which survives
 * restarts); `datastore`; `nodeInfo: { name, version, userAgent }`; `start` (default
 * true); `logger`.
 *
 * Addresses typed by a person: `dial`, `dialProtocol` and `hangUp` take
 * multiaddr strings as well as `Multiaddr`s (a bad one: `InvalidMultiaddrError`);
 * `multiaddr` and `peerIdFromString` are re-exported, so a first program needs
 * no companion package.
 *
 * Service dependencies: `start()` throws `UnmetServiceDependenciesError` when a
 * module's `[serviceDependencies]` names a capability no module's
 * `[serviceCapabilities]` provides (a DHT or gossipsub without identify).
 *
 * Components: a factory may keep the `Components` object and read any member
 * when its module is used or started; reading a part of the host before the
 * host created it (a muxer or encrypter reading `components.upgrader` in its
 * factory) throws `ComponentNotReadyError` rather than giving `undefined`.
 *
 * Reachability: `host.reachability` (`'unknown' | 'public' | 'private'`)
 * follows the `weft:reachability` events a service such as @weft/autonat
 * dispatches on the host; `'unknown'` until then and after `stop()`.
 *
 * Discovery: services exposing `[peerDiscoverySymbol]` (bootstrap, mdns,
 * rendezvous, …) feed the peer store and the host's `peer:discovery` event.
 *
 * The parts (upgrader, connection, registrar, connection manager, dialer,
 * peer store, address manager, transport manager) are exported for tests and
 * for custom hosts; each constructor takes its config resolved by the
 * matching `resolve…Config` (config.ts), where every default is written once.
 */
// what a first program needs besides the host: an address typed by a person, a peer id read from text
export { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
export { peerIdFromString } from '@weft/peer-id'
export { AddressManager, type AddressManagerComponents, type AddressManagerInit } from './address-manager.js'
export {
  AutoDialer,
  type AutoDialerComponents,
  type AutoDialerInit,
  type Backoff,
  backoffDelay,
  selectDialCandidates,
} from './auto-dialer.js'
export type {
  AddressManager as AddressManagerInterface,
  Components,
  ConnectionManager as ConnectionManagerInterface,
  Datastore,
  OpenConnectionOptions,
  PortUse,
  ProgressOptions,
  Registrar as RegistrarInterface,
  TransportManager as TransportManagerInterface,
  TransportManagerDialOptions,
} from './components.js'
export {
  type AddressManagerConfig,
  type AutoDialerConfig,
  type ConnectionConfig,
  type ConnectionManagerConfig,
  DEFAULT_MIN_CONNECTIONS,
  type DialerConfig,
  type LadderConfig,
  type PeerDiscoveryConfig,
  type RegistrarConfig,
  type ResourceManagerInit,
  type RungConfig,
  resolveAddressManagerConfig,
  resolveAutoDialerConfig,
  resolveConnectionConfig,
  resolveConnectionManagerConfig,
  resolveDialerConfig,
  resolveLadderConfig,
  resolvePeerDiscoveryConfig,
  resolveRegistrarConfig,
  resolveResourceManagerConfig,
  resolveTransportManagerConfig,
  resolveUpgraderConfig,
  type ScopeLimitsInit,
  type TransportManagerConfig,
  type UpgraderConfig,
} from './config.js'
export {
  Connection,
  type ConnectionComponents,
  type ConnectionInit,
  type ConnectionTimeoutsInit,
} from './connection.js'
export {
  CONNECTION_LADDER_EVENT,
  type ConnectionLadderRung,
  type ConnectionLadderRungProvider,
  connectionLadderRungSymbol,
  findRungs,
  type LadderContext,
  type LadderInit,
  type LadderRecord,
  RUNG_ORDER,
  type RungInit,
  type RungOutcome,
  type RungTiming,
} from './connection-ladder.js'
export {
  ConnectionManager,
  type ConnectionManagerComponents,
  type ConnectionManagerInit,
  parseTarget,
} from './connection-manager.js'
export { Dialer, type DialerComponents, type DialerInit, type DialRequest } from './dialer.js'
export * from './errors.js'
export {
  createHost,
  Host,
  type HostConnectionManagerInit,
  type HostInit,
  type HostTransportManagerInit,
  type ModuleFactory,
  REACHABILITY_EVENT,
  type Reachability,
  type ServiceFactoryMap,
  VERSION,
} from './host.js'
export {
  addressFamily,
  isRelayed,
  peerIdFromAddress,
  sortForDialing,
  withoutPeerId,
  withPeerId,
} from './internal/addresses.js'
export { type RaceOptions, raceAttempts } from './internal/happy-eyeballs.js'
export { type LadderRaceOptions, type RaceResult, type RaceRung, raceRungs } from './internal/ladder-race.js'
export {
  findDiscoveries,
  type PeerDiscoveryComponents,
  type PeerDiscoveryInit,
  PeerDiscoveryRelay,
} from './peer-discovery.js'
export {
  type MemoryBackendInit,
  MemoryPeerStoreBackend,
  type PeerStoreBackend,
} from './peer-store/backend.js'
export {
  DatastoreBackend,
  type DatastoreBackendInit,
  PEER_KEY_PREFIX,
} from './peer-store/datastore-backend.js'
export { type DecodedPeer, decodePeer, encodePeer } from './peer-store/peer-codec.js'
export {
  DEFAULT_PEER_RECORD_LIMITS,
  type PeerRecordLimits,
  type StoredAddress,
  type StoredPeer,
  type StoredTag,
  type UpdateMode,
  updatePeer,
} from './peer-store/peer-record-data.js'
export { PeerStore, type PeerStoreComponents, type PeerStoreInit } from './peer-store/peer-store.js'
export {
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  Registrar,
  type RegistrarComponents,
  type RegistrarInit,
} from './registrar.js'
export {
  DEFAULT_FILE_DESCRIPTORS,
  type LimitSet,
  type MachineInfo,
  machineInfo,
  RESOURCES,
  type Resource,
  type ScopeKind,
  type ScopeLimits,
  type ScopeUsage,
  scaledLimits,
} from './resource-manager/limits.js'
export {
  ConnectionScope,
  ResourceManager,
  type ResourceManagerConfig,
  StreamScope,
} from './resource-manager/resource-manager.js'
export { MAX_PRIORITY } from './resource-manager/scope.js'
export type { ResourceScope } from './resource-manager/span.js'
export type { Refusals, ResourceStat, ScopeStat } from './resource-manager/stat.js'
export { CompoundContentRouting, CompoundPeerRouting } from './routing.js'
export { runWithMiddleware } from './stream-middleware.js'
export {
  TransportManager,
  type TransportManagerComponents,
  type TransportManagerInit,
} from './transport-manager.js'
export {
  type OutboundUpgradeOptions,
  Upgrader,
  type UpgraderComponents,
  type UpgraderInit,
} from './upgrader.js'
