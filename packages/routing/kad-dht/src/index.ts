/**
 * @weft/kad-dht: the libp2p Kademlia DHT (libp2p/specs kad-dht/README.md)
 * for peer routing (`findPeer`, `getClosestPeers`) and content routing
 * (`provide`, `findProviders`, `put`, `get`). k = 20, α = 3, XOR k-buckets
 * with refresh, iterative lookups that stop on convergence, validated
 * records (`/pk/` built in, more namespaces pluggable) and provider records
 * with expiry and republishing, kept in an `interface-datastore`.
 *
 * A host service in the js-libp2p shape; the host finds its routers through
 * `peerRoutingSymbol` / `contentRoutingSymbol`:
 *
 * ```ts
 * import { kadDHT } from '@weft/kad-dht'
 *
 * const host = await createHost({ ..., services: { identify: identify(), dht: kadDHT({ clientMode: false }) } })
 * await host.contentRouting.provide(cid)
 * for await (const provider of host.contentRouting.findProviders(cid)) console.log(provider.id)
 * const info = await host.peerRouting.findPeer(peerId)
 * ```
 *
 * Options (`KadDHTInit`, all optional): `protocol` ('/ipfs/kad/1.0.0'; a
 * private network passes its own), `clientMode` (false: answer requests),
 * `kBucketSize` (20), `alpha` (3), `datastore` (MemoryDatastore; a
 * datastore-level `LevelDatastore` persists records), `validators` /
 * `selectors` (by namespace, beside `pk`), `requestTimeout` (10 s),
 * `queryTimeout` (60 s), `refreshInterval` (10 min), `maxRecordSize`
 * (16 KiB), `maxMessageSize` (1 MiB), `maxProvidersPerKey` (100),
 * `maxProviders` (20 000 provider records in all), `maxRecords` (10 000
 * PUT_VALUE records), `maxRecordBytes` (16 MiB of them), `providerExpiry`
 * (48 h), `republishInterval` (22 h), `recordExpiry` (36 h: records
 * stored for others are dropped after it), `recordRepublishInterval` (1 h:
 * records this node put are re-put to the k closest peers of the moment;
 * 0 turns it off; `cancelRepublish(key)` stops one), `maxRepublishedRecords`
 * (1 000; past it a put of a new key throws `DHTLimitError`), `getQuorum` (16),
 * `maxInFlightPerPeer` (4), `maxInboundStreams` (32 per connection),
 * `maxRequestsPerStream` (32), `streamIdleTimeout` (10 s). See options.ts.
 *
 * Stored records are indexed in memory by key, so a request touches only
 * the datastore entries of its own key, by exact key, whatever datastore is
 * plugged in (the index is built once, on first use, from one chunked query).
 * When a store cap is hit, the least recently added or renewed record gives
 * way: refusing instead would let whoever filled the store once keep honest
 * providers out for the whole expiry, while evicting makes an attacker pay
 * for every record it keeps in and honest publishers come back on republish.
 * Expired records are swept hourly, visiting only the expired ones.
 *
 * Errors: `NotFoundError` (nothing found), `InvalidRecordError` (a record
 * fails its validator), `DHTLimitError` (a limit is hit),
 * `InvalidMessageError` (a peer sent a malformed message; only its stream
 * is reset), `DHTStoppedError`, `TimeoutError`.
 */
import { KadDHT, type KadDHTComponents } from './kad-dht.js'
import type { KadDHTInit } from './options.js'

export * from './errors.js'
export { KadDHT, type KadDHTComponents, type PeerLookupResult } from './kad-dht.js'
export { Message, Record } from './message.pb.js'
export { DEFAULT_PROTOCOL, type KadDHTInit } from './options.js'
export type { LookupStats } from './query-runner.js'
export {
  type Selector,
  type Selectors,
  selectPublicKeyRecord,
  type Validator,
  type Validators,
  validatePublicKeyRecord,
} from './records.js'

/** The DHT service factory: `kadDHT(init)(components)`. */
export function kadDHT(init: KadDHTInit = {}): (components: KadDHTComponents) => KadDHT {
  return (components) => new KadDHT(components, init)
}
