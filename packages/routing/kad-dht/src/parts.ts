/**
 * The DHT's parts and how they are wired: stores, network, the server side
 * (`RequestHandler` behind a `ProtocolHandler`), content routing and the
 * refresher. Each part gets what it uses and nothing more; what it needs of
 * the service (lookups, addresses, the stop signal) comes through
 * `ServiceHooks`, so no part holds the `KadDHT` itself.
 */
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type ClearableSignal, type HandlerRegistrar, ProtocolHandler } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import type { Datastore } from 'interface-datastore'
import { Content } from './content.js'
import { DHTStoppedError } from './errors.js'
import { Network, type NetworkComponents } from './network.js'
import type { KadDHTConfig, KadDHTInit } from './options.js'
import { Providers } from './providers.js'
import type { LookupFn } from './query-runner.js'
import { RecordStore } from './record-store.js'
import { defaultSelectors, defaultValidators } from './records.js'
import { Refresher } from './refresher.js'
import { RoutingTable } from './routing-table.js'
import { RequestHandler, serveRequests } from './rpc-handler.js'

/** What the parts ask of the service shell. */
export interface ServiceHooks {
  /** an iterative lookup over the routing table */
  lookup: LookupFn
  /** addresses to tell others for a peer (ourselves included); [] when unknown */
  addressesOf(peerId: PeerId, options?: AbortOptions): Promise<Multiaddr[]>
  /** hands addresses of a peer found on the network to the peer store */
  rememberAddresses(peerId: PeerId, multiaddrs: Multiaddr[]): void
  /** a signal for one operation: the caller's, the query timeout and the DHT's stop */
  operationSignal(options?: AbortOptions): ClearableSignal
  /** the signal that aborts when the DHT stops (a new one each time it starts) */
  stopSignal(): AbortSignal
  isStarted(): boolean
}

export interface DHTParts {
  routingTable: RoutingTable
  network: Network
  /** serves the protocol while the DHT is a server */
  handler: ProtocolHandler
  content: Content
  refresher: Refresher
}

/** The host components the parts use (a subset of `KadDHTComponents`). */
export interface PartsComponents extends NetworkComponents {
  peerId: PeerId
  registrar: HandlerRegistrar
}

export function createParts(
  components: PartsComponents,
  init: KadDHTInit,
  config: KadDHTConfig,
  log: Logger,
  hooks: ServiceHooks,
): DHTParts {
  const datastore: Datastore = init.datastore ?? new MemoryDatastore()
  const routingTable = new RoutingTable(components.peerId, { k: config.kBucketSize })
  const providers = new Providers({
    datastore,
    expiry: config.providerExpiry,
    maxPerKey: config.maxProvidersPerKey,
    maxTotal: config.maxProviders,
  })
  const records = new RecordStore({
    datastore,
    maxAge: config.recordExpiry,
    maxRecords: config.maxRecords,
    maxBytes: config.maxRecordBytes,
  })
  const validators = { ...defaultValidators(), ...init.validators }
  const selectors = { ...defaultSelectors(), ...init.selectors }
  const network = new Network(components, {
    protocol: config.protocol,
    timeout: config.requestTimeout,
    maxMessageSize: config.maxMessageSize,
    maxInFlightPerPeer: config.maxInFlightPerPeer,
    log,
  })
  const requests = new RequestHandler({
    self: components.peerId,
    routingTable,
    providers,
    records,
    validators,
    addressesOf: hooks.addressesOf,
    maxRecordSize: config.maxRecordSize,
    maxProvidersPerReply: config.maxProvidersPerReply,
    log,
  })
  const handler = new ProtocolHandler({
    registrar: components.registrar,
    protocol: config.protocol,
    options: {
      maxInboundStreams: config.maxInboundStreams,
      maxOutboundStreams: config.maxOutboundStreams,
    },
    handler: (stream, connection) => {
      void serveRequests(stream, connection, {
        handler: requests,
        maxMessageSize: config.maxMessageSize,
        maxRequests: config.maxRequestsPerStream,
        idleTimeout: config.streamIdleTimeout,
        signal: hooks.stopSignal(),
        log,
      })
    },
    stoppedError: () => new DHTStoppedError(),
  })
  const content = new Content({
    self: components.peerId,
    providers,
    records,
    validators,
    selectors,
    network,
    config,
    lookup: hooks.lookup,
    addressesOf: hooks.addressesOf,
    rememberAddresses: hooks.rememberAddresses,
    operationSignal: hooks.operationSignal,
    stopSignal: hooks.stopSignal,
    isStarted: hooks.isStarted,
    log,
  })
  const refresher = new Refresher({
    selfKey: components.peerId.toMultihash().bytes,
    routingTable,
    config,
    lookup: hooks.lookup,
    stopSignal: hooks.stopSignal,
    isStarted: hooks.isStarted,
    log,
  })
  return { routingTable, network, handler, content, refresher }
}
