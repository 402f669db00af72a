/** The playground's options and the small types of its API, with their defaults in one place. */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Json } from './codec.js'
import type { RateLimitInit } from './rate-limit.js'
import type { StateStore } from './shared-state.js'

export interface PlaygroundOptions {
  /** addresses to listen on (default every interface, a free port, TCP and WebSocket) */
  listen?: string[]
  /** find peers on the LAN by multicast DNS (default true) */
  mdns?: boolean
  /** run a Kademlia DHT so `join(peerId)` can find peers the peer store does not know (default false) */
  dht?: boolean
  /**
   * find the app's peers through the BitTorrent Mainline DHT: the app name is
   * a topic, announced and looked up; peers found are dialled (default off:
   * nothing is contacted unless `bootstrap` names nodes)
   */
  mainline?: MainlineOptions
  /** ask the router for an open port (UPnP/NAT-PMP/PCP): not available yet, throws `PortMappingUnavailableError` */
  openPort?: boolean
  /** the host's key (default: a new Ed25519 key, so a new peer id each run) */
  privateKey?: PrivateKey
  /** largest payload as JSON, in bytes (default 64 KiB, at most 512 KiB) */
  maxPayloadBytes?: number
  /** messages a peer may send us, direct and to all (default 50 a second, bursts of 100) */
  rateLimit?: RateLimitInit
  /** how long `join` waits for the peer to show it runs the app (default 10 s) */
  joinTimeout?: number
  state?: {
    /** persist the shared state here (loaded at start, saved after changes) */
    store?: StateStore
    /** keys held, tombstones included (default 10 000) */
    maxEntries?: number
    /** bytes of one value as JSON (default 64 KiB) */
    maxValueBytes?: number
    /** anti-entropy with one peer, in turn, this often (default 30 s; 0 = only when peers connect) */
    syncInterval?: number
  }
}

/** Topic discovery over Mainline: a DHT node joins through `bootstrap`, then rounds of announce + look up. */
export interface MainlineOptions {
  /** DHT nodes to join through, as `host:port` (required: there is no default list, the public routers included) */
  bootstrap: string[]
  /** UDP port of our DHT node (default 0: a free port) */
  port?: number
  /** address the DHT node binds (default '0.0.0.0') */
  host?: string
  /** DHT routing-table entries per IP (default 1; raise it for a swarm on one host, as on loopback) */
  nodesPerIp?: number
  /** wait before the first round and after a round that connected a peer, ms (default 1 s) */
  lookupInterval?: number
  /** the wait doubles after each round that found no new peer, up to this, ms (default 5 min) */
  maxLookupInterval?: number
  /** peers dialled per round at most (default 8, at most 64) */
  maxDialsPerRound?: number
}

/** A message handler: the payload, the sender's peer id (authenticated), and how it came. */
export type MessageHandler = (payload: Json, from: string, message: { kind: string; direct: boolean }) => void

export interface SendOptions {
  /** one peer (its id); without it, every peer of the app */
  to?: string | PeerId
  signal?: AbortSignal
}

/** What the host knows about its network. */
export interface NatStatus {
  /** AutoNAT's verdict: can others dial us? */
  reachability: 'unknown' | 'public' | 'private'
  /** the addresses we announce */
  addresses: string[]
  /** port mapping: not available yet */
  portMapping: 'unavailable'
}

export const MAX_PAYLOAD = 512 * 1024
export const MAX_BANNED = 1024
export const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * Defaults a person (or a test) can set without touching the program:
 * `WEFT_PLAYGROUND_LISTEN` (comma-separated multiaddrs),
 * `WEFT_PLAYGROUND_MDNS=0` (no multicast) and `WEFT_PLAYGROUND_MAINLINE`
 * (comma-separated `host:port` of Mainline DHT nodes: topic discovery on).
 * Options given in code win.
 */
export function fromEnvironment(): { listen?: string[]; mdns?: boolean; mainline?: MainlineOptions } {
  const listen = process.env.WEFT_PLAYGROUND_LISTEN
  const mdns = process.env.WEFT_PLAYGROUND_MDNS
  const mainline = process.env.WEFT_PLAYGROUND_MAINLINE
  return {
    ...(listen != null && listen.trim() !== '' ? { listen: list(listen) } : {}),
    ...(mdns === '0' || mdns === 'false' ? { mdns: false } : {}),
    ...(mainline != null && mainline.trim() !== '' ? { mainline: { bootstrap: list(mainline) } } : {}),
  }
}

function list(text: string): string[] {
  return text.split(',').map((item) => item.trim())
}
