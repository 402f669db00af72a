/** Options of the DHT service and their defaults, checked with @weft/utils' shared checkers. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
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
  /** ms a record stored with PUT_VALUE lives, ours and others' (default 36 h, as go-libp2p and js-libp2p) */
  recordExpiry?: number
  /** ms between re-putting the records this node put (default 1 h; 0 turns it off); shorter than `recordExpiry` */
  recordRepublishInterval?: number
  /** records this node put that it keeps re-putting (default 1 000); past it `put` of a new key throws `DHTLimitError` */
  maxRepublishedRecords?: number
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

export type KadDHTConfig = Required<Omit<KadDHTInit, 'datastore' | 'validators' | 'selectors'>>

/** A count of at least one. */
const count = (name: string, value: number): number => checkInteger(name, value, 1)

export function resolveConfig(init: KadDHTInit): KadDHTConfig {
  const resolved: KadDHTConfig = {
    protocol: init.protocol ?? DEFAULT_PROTOCOL,
    clientMode: init.clientMode ?? false,
    kBucketSize: count('kBucketSize', init.kBucketSize ?? 20),
    alpha: count('alpha', init.alpha ?? 3),
    requestTimeout: checkPositive('requestTimeout', init.requestTimeout ?? 10_000),
    queryTimeout: checkPositive('queryTimeout', init.queryTimeout ?? 60_000),
    // 0 turns refresh off
    refreshInterval: checkNonNegative('refreshInterval', init.refreshInterval ?? 10 * 60_000),
    initialRefreshDelay: checkNonNegative('initialRefreshDelay', init.initialRefreshDelay ?? 1_000),
    maxRefreshBucket: count('maxRefreshBucket', init.maxRefreshBucket ?? 15),
    maxRecordSize: count('maxRecordSize', init.maxRecordSize ?? 16 * 1024),
    maxMessageSize: count('maxMessageSize', init.maxMessageSize ?? 1024 * 1024),
    maxProvidersPerKey: count('maxProvidersPerKey', init.maxProvidersPerKey ?? 100),
    maxProviders: count('maxProviders', init.maxProviders ?? 20_000),
    maxRecords: count('maxRecords', init.maxRecords ?? 10_000),
    maxRecordBytes: count('maxRecordBytes', init.maxRecordBytes ?? 16 * 1024 * 1024),
    maxProvidersPerReply: count('maxProvidersPerReply', init.maxProvidersPerReply ?? 20),
    providerExpiry: checkPositive('providerExpiry', init.providerExpiry ?? 48 * 60 * 60_000),
    // 0 turns republishing off
    republishInterval: checkNonNegative('republishInterval', init.republishInterval ?? 22 * 60 * 60_000),
    maxProvidedKeys: count('maxProvidedKeys', init.maxProvidedKeys ?? 10_000),
    recordExpiry: checkPositive('recordExpiry', init.recordExpiry ?? 36 * 60 * 60_000),
    // 0 turns republishing of our records off
    recordRepublishInterval: checkNonNegative(
      'recordRepublishInterval',
      init.recordRepublishInterval ?? 60 * 60_000,
    ),
    maxRepublishedRecords: count('maxRepublishedRecords', init.maxRepublishedRecords ?? 1_000),
    getQuorum: count('getQuorum', init.getQuorum ?? 16),
    maxInFlightPerPeer: count('maxInFlightPerPeer', init.maxInFlightPerPeer ?? 4),
    maxInboundStreams: count('maxInboundStreams', init.maxInboundStreams ?? 32),
    maxOutboundStreams: count('maxOutboundStreams', init.maxOutboundStreams ?? 64),
    maxRequestsPerStream: count('maxRequestsPerStream', init.maxRequestsPerStream ?? 32),
    streamIdleTimeout: checkPositive('streamIdleTimeout', init.streamIdleTimeout ?? 10_000),
  }
  if (!resolved.protocol.startsWith('/'))
    throw new RangeError(`protocol must start with "/", got ${resolved.protocol}`)
  if (resolved.maxRecordBytes < resolved.maxRecordSize * 2) {
    throw new RangeError(
      `maxRecordBytes (${resolved.maxRecordBytes}) must hold at least two records of maxRecordSize (${resolved.maxRecordSize})`,
    )
  }
  // a record re-put less often than it expires would vanish between rounds
  if (resolved.recordRepublishInterval >= resolved.recordExpiry) {
    throw new RangeError(
      `recordRepublishInterval (${resolved.recordRepublishInterval} ms) must be shorter than recordExpiry (${resolved.recordExpiry} ms), or 0 to turn it off`,
    )
  }
  return resolved
}
