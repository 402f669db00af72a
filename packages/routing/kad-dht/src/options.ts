/** Options of the DHT service and their defaults. */
import type { Datastore } from 'interface-datastore'
import type { Selectors, Validators } from './records.js'

/** The public Amino DHT protocol id (libp2p/specs kad-dht/README.md). */
export const DEFAULT_PROTOCOL = '/ipfs/kad/1.0.0'

export interface KadDHTInit {
  /** protocol id (default '/ipfs/kad/1.0.0'); a private network passes its own, e.g. '/myapp/kad/1.0.0' */
  protocol?: string
  /** client mode: query others but do not answer (default false: server) */
  clientMode?: boolean
  /** bucket size and replication parameter k (default 20) */
  kBucketSize?: number
  /** concurrency of lookups α (default 3) */
  alpha?: number
  /** records and provider records (default: a MemoryDatastore; pass a datastore-level `LevelDatastore` to persist) */
  datastore?: Datastore
  /** validators by namespace, added to the built-in `/pk/` one */
  validators?: Validators
  /** selectors by namespace, added to the built-in `/pk/` one */
  selectors?: Selectors
  /** ms per request, dial included (default 10 000) */
  requestTimeout?: number
  /** ms a whole lookup may take (default 60 000) */
  queryTimeout?: number
  /** ms between routing table refreshes (default 10 min; 0 turns refresh off) */
  refreshInterval?: number
  /** ms from start (or the first peer) to the first refresh (default 1 000) */
  initialRefreshDelay?: number
  /** highest bucket index refreshed with a random key (default 15) */
  maxRefreshBucket?: number
  /** largest record value accepted (default 16 KiB) */
  maxRecordSize?: number
  /** largest message read from a stream (default 1 MiB) */
  maxMessageSize?: number
  /** providers kept per key (default 100); when full, the oldest gives way */
  maxProvidersPerKey?: number
  /** provider records kept in all (default 20 000); when full, the oldest gives way */
  maxProviders?: number
  /** PUT_VALUE records kept (default 10 000); when full, the oldest gives way */
  maxRecords?: number
  /** bytes of PUT_VALUE records kept (default 16 MiB); when full, the oldest give way */
  maxRecordBytes?: number
  /** providers returned per GET_PROVIDERS reply (default 20) */
  maxProvidersPerReply?: number
  /** ms a provider record lives (default 48 h) */
  providerExpiry?: number
  /** ms between republishing what we provide (default 22 h; 0 turns it off) */
  republishInterval?: number
  /** keys we keep republishing (default 10 000) */
  maxProvidedKeys?: number
  /** values a `get` collects before it stops (default 16) */
  getQuorum?: number
  /** concurrent requests to one remote peer (default 4) */
  maxInFlightPerPeer?: number
  /** concurrent inbound DHT streams per connection (default 32) */
  maxInboundStreams?: number
  /** concurrent outbound DHT streams per connection (default 64) */
  maxOutboundStreams?: number
  /** sequential requests answered on one inbound stream (default 32) */
  maxRequestsPerStream?: number
  /** ms an inbound stream may wait for its next request (default 10 000) */
  streamIdleTimeout?: number
}

export type ResolvedInit = Required<Omit<KadDHTInit, 'datastore' | 'validators' | 'selectors'>>

export function resolveInit(init: KadDHTInit): ResolvedInit {
  const resolved: ResolvedInit = {
    protocol: init.protocol ?? DEFAULT_PROTOCOL,
    clientMode: init.clientMode ?? false,
    kBucketSize: init.kBucketSize ?? 20,
    alpha: init.alpha ?? 3,
    requestTimeout: init.requestTimeout ?? 10_000,
    queryTimeout: init.queryTimeout ?? 60_000,
    refreshInterval: init.refreshInterval ?? 10 * 60_000,
    initialRefreshDelay: init.initialRefreshDelay ?? 1_000,
    maxRefreshBucket: init.maxRefreshBucket ?? 15,
    maxRecordSize: init.maxRecordSize ?? 16 * 1024,
    maxMessageSize: init.maxMessageSize ?? 1024 * 1024,
    maxProvidersPerKey: init.maxProvidersPerKey ?? 100,
    maxProviders: init.maxProviders ?? 20_000,
    maxRecords: init.maxRecords ?? 10_000,
    maxRecordBytes: init.maxRecordBytes ?? 16 * 1024 * 1024,
    maxProvidersPerReply: init.maxProvidersPerReply ?? 20,
    providerExpiry: init.providerExpiry ?? 48 * 60 * 60_000,
    republishInterval: init.republishInterval ?? 22 * 60 * 60_000,
    maxProvidedKeys: init.maxProvidedKeys ?? 10_000,
    getQuorum: init.getQuorum ?? 16,
    maxInFlightPerPeer: init.maxInFlightPerPeer ?? 4,
    maxInboundStreams: init.maxInboundStreams ?? 32,
    maxOutboundStreams: init.maxOutboundStreams ?? 64,
    maxRequestsPerStream: init.maxRequestsPerStream ?? 32,
    streamIdleTimeout: init.streamIdleTimeout ?? 10_000,
  }
  if (!resolved.protocol.startsWith('/'))
    throw new RangeError(`protocol must start with "/", got ${resolved.protocol}`)
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number') continue
    const zeroAllowed =
      name === 'refreshInterval' || name === 'republishInterval' || name === 'initialRefreshDelay'
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
      throw new RangeError(`${name} must be a positive number, got ${value}`)
    }
  }
  if (resolved.maxRecordBytes < resolved.maxRecordSize * 2) {
    throw new RangeError(
      `maxRecordBytes (${resolved.maxRecordBytes}) must hold at least two records of maxRecordSize (${resolved.maxRecordSize})`,
    )
  }
  return resolved
}
