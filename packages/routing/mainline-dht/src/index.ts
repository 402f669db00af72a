/**
 * @weft/mainline-dht: the BitTorrent Mainline DHT, built by weft itself —
 * bencode and KRPC with strict bounds, the BEP5 routing table, lookups,
 * get_peers and announce_peer with rotating tokens, BEP32 IPv6, BEP42 secure
 * ids, BEP43 read-only mode, BEP44 items (`putImmutable`, `putMutable`,
 * `getImmutable`, `getMutable`), BEP51 `sample_infohashes` and a `crawler`.
 * Usable on its own; no host needed. As a host service, `mainline()` makes
 * `findPeer(id)` work through BEP44 and finds peers by topic.
 *
 * ```ts
 * import { mainlineDHT } from '@weft/mainline-dht'
 *
 * const a = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16 })
 * await a.start()
 * const b = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16, bootstrap: a.addresses() })
 * await b.start()
 * await b.announce(infohash, { port: 6881 })
 * const { peers } = await a.getPeers(infohash)
 * ```
 *
 * Nothing is contacted unless `bootstrap` names nodes (`PUBLIC_BOOTSTRAP_NODES`
 * joins the public network). Options (`MainlineDHTInit`): `socket` (a
 * `UdpSocket`, e.g. `new MemoryNetwork().socket()`), `host`/`host6`/`port`,
 * `nodeId`, `externalAddress` (BEP42 id), `bootstrap`, `k` (8), `alpha` (5),
 * `secureIds` ('prefer' | 'enforce' | 'ignore'), `nodesPerIp` (1), `readOnly`,
 * `timeout` (2 s), `retries` (1), `maxInFlight` (512), `rateLimit` (20/s per
 * host), `maxMessageSize` (2 KiB), `maxDepth` (8), `peerStore` caps and TTL, `itemStore` (BEP44), `samples` (BEP51),
 * `tokenRotation` (5 min), `refreshInterval`, `bucketStaleAfter`,
 * `handlers` (custom query types), `hooks` (observe, change or drop every
 * incoming query and response). See options.ts.
 *
 * Errors: `BencodeError` (bad bencode, with a `fault`), `InvalidKrpcMessageError`,
 * `KrpcError` (a remote error, `code` 201–204, BEP44 205–302), `TimeoutError`, `DHTLimitError`,
 * `DHTStoppedError`.
 */
import { MainlineDHT } from './dht.js'
import type { MainlineDHTInit } from './options.js'

export * from './address.js'
export * from './bencode.js'
export {
  checkReplace,
  checkSizes,
  type ImmutableItem,
  type ItemSigner,
  immutableTarget,
  isMutable,
  MAX_SALT_SIZE,
  MAX_VALUE_SIZE,
  type MutableItem,
  mutableTarget,
  type StoredItem,
  signaturePayload,
  signItem,
  verifyItem,
} from './bep44.js'
export { PUBLIC_BOOTSTRAP_NODES } from './bootstrap-nodes.js'
export {
  Crawler,
  type CrawlerEvents,
  type CrawlerInit,
  type CrawlProgress,
  type CrawlResult,
  crawler,
} from './crawler.js'
export { crc32c } from './crc32c.js'
export type {
  AbortOptions,
  AnnounceOptions,
  AnnounceResult,
  LookupOptions,
  MainlineDHTEvents,
} from './dht.js'
export { MainlineDHT } from './dht.js'
export * from './errors.js'
export type {
  GetImmutableResult,
  GetMutableOptions,
  GetMutableResult,
  PutMutableOptions,
  PutMutableResult,
  PutResult,
} from './item-client.js'
export { ItemStore, type ItemStoreInit } from './item-store.js'
export {
  MainlineService,
  type MainlineServiceComponents,
  type MainlineServiceInit,
  mainline,
  PEER_QUERY,
} from './libp2p-service.js'
export type { ClosestNode, LookupResult, LookupStats } from './lookup.js'
export type { ErrorReply, Message, Query, Response } from './message.js'
export { parseMessage } from './message.js'
export { commonPrefixLength, distance, isLocalAddress, isSecureId, randomId, secureId } from './node-id.js'
export type { MainlineDHTInit, QueryHandler } from './options.js'
export {
  decodeAddresses,
  ed25519KeyOf,
  encodeAddresses,
  MAX_ITEM_ADDRESSES,
  PEER_SALT,
  TOPIC_NAMESPACE,
  topicInfohash,
} from './peer-item.js'
export { PeerStore, type PeerStoreInit } from './peer-store.js'
export type { RateLimiterInit } from './rate-limiter.js'
export {
  type AddResult,
  type NodeState,
  RoutingTable,
  type SecureIdPolicy,
  type TableNode,
} from './routing-table.js'
export type { Hooks, RpcCounters } from './rpc.js'
export { InfohashSampler, MAX_INTERVAL, type SamplesInit, splitSamples } from './samples.js'
export { MemoryNetwork, type MemoryNetworkInit } from './testing.js'
export { type DgramInit, dgramSocket, type UdpSocket } from './udp.js'

/** A Mainline DHT node, not yet started: `await dht.start()`. */
export function mainlineDHT(init: MainlineDHTInit = {}): MainlineDHT {
  return new MainlineDHT(init)
}
