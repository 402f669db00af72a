/** What `createHost` takes: the host's identity, its modules as factories, and each part's options. */
import type {
  ComponentLogger,
  ConnectionEncrypter,
  ConnectionGater,
  NodeInfo,
  PrivateKey,
  ServiceMap,
  StreamMuxerFactory,
  Transport,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AddressManagerInit } from './address-manager.js'
import type { Components, Datastore } from './components.js'
import type { ResourceManagerInit } from './config.js'
import type { ConnectionTimeoutsInit } from './connection.js'
import type { ConnectionManagerInit } from './connection-manager.js'
import type { PeerStoreInit } from './peer-store/peer-store.js'
import type { RegistrarInit } from './registrar.js'

/** A module factory: gets the host's components, returns the module. */
export type ModuleFactory<M> = (components: Components) => M

export type ServiceFactoryMap<T extends ServiceMap = ServiceMap> = { [K in keyof T]: ModuleFactory<T[K]> }

export interface HostConnectionManagerInit extends ConnectionManagerInit, ConnectionTimeoutsInit {
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
  /**
   * The resource manager's limits per scope (defaults scaled to the
   * machine's memory and open-file limit); `false` or `'unlimited'` lifts
   * every limit and keeps the counts
   */
  resources?: ResourceManagerInit | false | 'unlimited'
  peerStore?: PeerStoreInit
  datastore?: Datastore
  nodeInfo?: Partial<NodeInfo>
  /** start before `createHost` resolves (default true) */
  start?: boolean
  logger?: ComponentLogger
}
