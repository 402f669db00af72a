/** The options of `mainlineDHT()`, all optional. */
import type { ComponentLogger } from '@libp2p/interface'
import type { Address } from './address.js'
import type { Bencodable } from './bencode.js'
import type { ItemStoreInit } from './item-store.js'
import type { Query } from './message.js'
import type { PeerStoreInit } from './peer-store.js'
import type { RateLimiterInit } from './rate-limiter.js'
import type { SecureIdPolicy } from './routing-table.js'
import type { Hooks, RpcInit } from './rpc.js'
import type { SamplesInit } from './samples.js'
import type { UdpSocket } from './udp.js'

/** Answers one query type: the return values (the DHT adds `id`), or throws `KrpcError`. */
export type QueryHandler = (
  query: Query,
  from: Address,
) => Record<string, Bencodable | undefined> | Promise<Record<string, Bencodable | undefined>>

export interface MainlineDHTInit {
  /** The socket to run on (a memory socket in tests); else node:dgram is bound per `host`/`host6`/`port`. */
  socket?: UdpSocket
  /** IPv4 address to bind (default '0.0.0.0'; null: none). */
  host?: string | null
  /** IPv6 address to bind (default: none; '::' for all). */
  host6?: string | null
  /** UDP port (default 0: any). */
  port?: number
  /** Our node id; else BEP42 from `externalAddress`, else random. */
  nodeId?: Uint8Array
  /** Our public IP, to derive a BEP42 secure id. */
  externalAddress?: string
  /**
   * Nodes contacted at start. Default: none, so nothing leaves the host
   * unless asked; `PUBLIC_BOOTSTRAP_NODES` is the public network's list.
   */
  bootstrap?: readonly Address[]
  /** Bucket size and lookup result size (BEP5: 8). */
  k?: number
  /** Parallel queries per lookup (default 3). */
  alpha?: number
  /** BEP42 check of others' ids: 'prefer' (default), 'enforce' or 'ignore'. */
  secureIds?: SecureIdPolicy
  /** Routing-table entries per IP (default 1; raise it for a swarm on one host). */
  nodesPerIp?: number
  /** BEP43: query with `ro: 1`, answer nothing, stay out of others' tables. */
  readOnly?: boolean
  /** Per-attempt query timeout, ms (default 2 000). */
  timeout?: number
  /** Resends of an unanswered query (default 1). */
  retries?: number
  /** Outgoing queries awaiting an answer at once (default 512). */
  maxInFlight?: number
  /** Incoming queries per host (default 20/s, burst 40, 4 096 hosts tracked). */
  rateLimit?: RateLimiterInit
  /** Largest datagram decoded, bytes (default 2 048), and its nesting depth (default 8). */
  maxMessageSize?: number
  maxDepth?: number
  peerStore?: PeerStoreInit
  /** BEP44 storage (default 2 h TTL, 2 000 items, 2 MiB). */
  itemStore?: ItemStoreInit
  /** BEP51 answers (default a fresh sample of up to 20 infohashes every 60 s). */
  samples?: SamplesInit
  /** Token secret rotation, ms (default 5 min; a token stays valid 5-10 min). */
  tokenRotation?: number
  /** How often stale buckets are looked for, ms (default 60 s; 0: never). */
  refreshInterval?: number
  /** A bucket unchanged this long is refreshed (BEP5: 15 min). */
  bucketStaleAfter?: number
  /** Handlers for more query types, by name; they may also replace the built-in ones. */
  handlers?: Record<string, QueryHandler>
  /** Seen on every incoming query and accepted response: observe, change or drop. */
  hooks?: Hooks
  /** Client version `v` (default 'WF' and 0.1). */
  version?: Uint8Array
  logger?: ComponentLogger
}

const VERSION = Uint8Array.of(0x57, 0x46, 0, 1) // 'WF' 0.1

/** The KRPC layer's settings, from the node's options and their defaults. */
export function rpcInit(init: MainlineDHTInit): RpcInit {
  return {
    timeout: init.timeout,
    retries: init.retries,
    maxInFlight: init.maxInFlight,
    rateLimit: init.rateLimit,
    decodeLimits: {
      maxBytes: init.maxMessageSize ?? 2048,
      maxDepth: init.maxDepth ?? 8,
      maxItems: 1024,
    },
    readOnly: init.readOnly,
    version: init.version ?? VERSION,
  }
}
