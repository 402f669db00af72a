/**
 * Building a host: the components object, the host's own parts in order
 * (peer store, registrar, transport manager, address manager, connection
 * manager, upgrader), then the configured modules from their factories;
 * the rungs the services offer join the connection ladder.
 */
import type {
  ComponentLogger,
  ContentRouting,
  Libp2pEvents,
  PeerId,
  PeerRouting,
  PrivateKey,
  ServiceMap,
  TypedEventTarget,
} from '@libp2p/interface'
import { AddressManager } from './address-manager.js'
import type { Components } from './components.js'
import {
  resolveAddressManagerConfig,
  resolveConnectionManagerConfig,
  resolveNodeInfo,
  resolveRegistrarConfig,
  resolveResourceManagerConfig,
  resolveTransportManagerConfig,
  resolveUpgraderConfig,
} from './config.js'
import { findRungs } from './connection-ladder.js'
import { ConnectionManager } from './connection-manager.js'
import type { HostInit, ModuleFactory } from './host-init.js'
import { ComponentsBuilder } from './internal/components-builder.js'
import type { NamedModule } from './internal/service-dependencies.js'
import { findDiscoveries, PeerDiscoveryRelay } from './peer-discovery.js'
import { PeerStore } from './peer-store/peer-store.js'
import { Registrar } from './registrar.js'
import { ResourceManager } from './resource-manager/resource-manager.js'
import { CompoundContentRouting, CompoundPeerRouting, findRouters } from './routing.js'
import { TransportManager } from './transport-manager.js'
import { Upgrader } from './upgrader.js'

/** Everything a host is made of, built. */
export interface HostParts<T extends ServiceMap = ServiceMap> {
  /** the components handed to every module */
  components: Components
  peerStore: PeerStore
  registrar: Registrar
  transportManager: TransportManager
  addressManager: AddressManager
  connectionManager: ConnectionManager
  resourceManager: ResourceManager
  services: T
  peerRouting: PeerRouting
  contentRouting: ContentRouting
  /** every module the factories created, named as in the init (for start/stop and dependency checks) */
  modules: NamedModule[]
  discovery: PeerDiscoveryRelay
}

/** What the host itself brings: its identity, logger and event bus. */
export interface HostIdentity {
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
}

export function buildHostParts<T extends ServiceMap>(
  init: HostInit<T>,
  { peerId, privateKey, logger, events }: HostIdentity,
): HostParts<T> {
  // Services read peer routing from the components (random walk); it asks the
  // routers the services offer, added once they are built.
  const peerRouters: Array<Partial<PeerRouting>> = []
  const peerRouting = new CompoundPeerRouting(peerRouters)
  const resourceManager = new ResourceManager(resolveResourceManagerConfig(init.resources))
  // The host's parts are getters until set (ComponentNotReadyError before):
  // each keeps the components object and reads the others when it uses them.
  const builder = new ComponentsBuilder({
    peerId,
    privateKey,
    logger,
    events,
    nodeInfo: resolveNodeInfo(init.nodeInfo),
    connectionGater: init.connectionGater ?? {},
    datastore: init.datastore,
    peerRouting,
    resourceManager,
  })
  const components = builder.components
  const peerStore = builder.set('peerStore', new PeerStore(components, init.peerStore))
  const registrar = builder.set(
    'registrar',
    new Registrar(components, resolveRegistrarConfig(init.registrar)),
  )
  const transportManager = builder.set(
    'transportManager',
    new TransportManager(components, resolveTransportManagerConfig(init.transportManager)),
  )
  const addressManager = builder.set(
    'addressManager',
    new AddressManager(components, resolveAddressManagerConfig(init.addresses)),
  )
  const connectionManager = builder.set(
    'connectionManager',
    new ConnectionManager(components, resolveConnectionManagerConfig(init.connectionManager)),
  )

  // Muxers and encrypters come before the upgrader that holds them; Noise
  // reads `components.upgrader` (for its muxers) only during a handshake.
  const streamMuxers = (init.streamMuxers ?? []).map((factory) => factory(components))
  const encrypters = (init.connectionEncrypters ?? []).map((factory) => factory(components))
  // the connection timeouts and inboundUpgradeTimeout are set under `connectionManager`
  const upgraderConfig = resolveUpgraderConfig({
    ...init.connectionManager,
    connectionEncrypters: encrypters,
    streamMuxers,
  })
  builder.set('upgrader', new Upgrader(components, upgraderConfig))
  const transports = (init.transports ?? []).map((factory) => factory(components))
  for (const transport of transports) transportManager.add(transport)

  const services: Record<string, unknown> = {}
  for (const [name, factory] of Object.entries(init.services ?? {}) as Array<
    [string, ModuleFactory<unknown>]
  >) {
    services[name] = factory(components)
  }
  connectionManager.addLadderRungs([...findRungs(transports), ...findRungs(services)])
  const routers = findRouters(services)
  peerRouters.push(...routers.peerRouters)
  return {
    components,
    peerStore,
    registrar,
    transportManager,
    addressManager,
    connectionManager,
    resourceManager,
    services: services as T,
    peerRouting,
    contentRouting: new CompoundContentRouting(routers.contentRouters),
    modules: [
      ...streamMuxers.map((module, index) => ({ name: `streamMuxers[${index}]`, module })),
      ...encrypters.map((module, index) => ({ name: `connectionEncrypters[${index}]`, module })),
      ...transports.map((module, index) => ({ name: `transports[${index}]`, module })),
      ...Object.entries(services).map(([name, module]) => ({ name: `services.${name}`, module })),
    ],
    discovery: new PeerDiscoveryRelay(components, findDiscoveries(services)),
  }
}
