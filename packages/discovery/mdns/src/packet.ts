/**
 * The DNS messages of libp2p mDNS discovery (libp2p/specs discovery/mdns.md),
 * as plain data for `multicast-dns`/`dns-packet`; no sockets here.
 *
 * - query ("Peer Discovery › Request"): `_p2p._udp.local PTR`;
 * - response ("Response"): answer `<service-name> PTR <peer-name>.<service-name>`,
 *   additional records `<peer-name>.<service-name> TXT "dnsaddr=<multiaddr>/p2p/<id>"`,
 *   one record per address (as js-libp2p sends them);
 * - DNS-SD meta query ("Meta Query"): `_services._dns-sd._udp.local PTR`
 *   is answered with `PTR <service-name>`.
 *
 * Parsing is bounded: at most `maxRecords` records of a packet are looked at,
 * `maxAddresses` addresses per peer and `maxPeers` peers per packet are kept,
 * a TXT string over 255 bytes (the DNS character-string limit) or one that is
 * not a multiaddr with a `/p2p/` peer id is skipped.
 */
import type { PeerId, PeerInfo } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'

/** The parts of a DNS message (as `dns-packet` decodes it) this module reads and writes. */
export interface DnsQuestion {
  name: string
  type: string
  class?: string
}

export interface DnsRecord {
  name: string
  type: string
  class?: string
  ttl?: number
  data?: unknown
}

export interface DnsPacket {
  questions?: DnsQuestion[]
  answers?: DnsRecord[]
  additionals?: DnsRecord[]
}

export const DEFAULT_SERVICE_TAG = '_p2p._udp.local'
export const DNS_SD_META_QUERY = '_services._dns-sd._udp.local'
/** The DNS limit of one character-string (and so of one `dnsaddr=` entry). */
export const MAX_TXT_STRING_LENGTH = 255
const DNSADDR = 'dnsaddr='
const P2P = 421

export interface ParseLimits {
  /** records (answers + additionals) examined per packet (default 64) */
  maxRecords: number
  /** addresses kept per peer (default 32) */
  maxAddresses: number
  /** peers taken from one packet (default 16) */
  maxPeers: number
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxRecords: 64, maxAddresses: 32, maxPeers: 16 }

export function peerQuery(serviceTag = DEFAULT_SERVICE_TAG): { questions: DnsQuestion[] } {
  return { questions: [{ name: serviceTag, type: 'PTR', class: 'IN' }] }
}

/** What a query asks of us: the peer list, the DNS-SD service list, or nothing. */
export function queryKind(
  packet: DnsPacket,
  serviceTag = DEFAULT_SERVICE_TAG,
): 'peers' | 'services' | undefined {
  let kind: 'peers' | 'services' | undefined
  for (const question of (packet.questions ?? []).slice(0, 16)) {
    if (question.type !== 'PTR' && question.type !== 'ANY') continue
    const name = String(question.name).toLowerCase()
    if (name === serviceTag.toLowerCase()) return 'peers'
    if (name === DNS_SD_META_QUERY) kind = 'services'
  }
  return kind
}

/** The TXT string announcing `address` for `peerId`, or undefined when it would not fit. */
export function dnsaddr(address: Multiaddr, peerId: PeerId): string | undefined {
  const last = address.getComponents().findLast((component) => component.code === P2P)?.value
  const withId = last == null ? address.encapsulate(`/p2p/${peerId.toString()}`) : address
  const text = `${DNSADDR}${withId.toString()}`
  return new TextEncoder().encode(text).byteLength <= MAX_TXT_STRING_LENGTH ? text : undefined
}

/** records' time to live in seconds */
export const DEFAULT_RECORD_TTL = 120

export interface ResponseInit {
  serviceTag: string
  peerName: string
  peerId: PeerId
  multiaddrs: Multiaddr[]
  /** records' time to live in seconds (default 120) */
  ttl?: number
}

/** The response to a peer query; undefined when there is no address to announce. */
export function peerResponse(
  init: ResponseInit,
): { answers: DnsRecord[]; additionals: DnsRecord[] } | undefined {
  const ttl = init.ttl ?? DEFAULT_RECORD_TTL
  const instance = `${init.peerName}.${init.serviceTag}`
  const additionals: DnsRecord[] = []
  for (const address of init.multiaddrs) {
    const text = dnsaddr(address, init.peerId)
    if (text != null) additionals.push({ name: instance, type: 'TXT', class: 'IN', ttl, data: text })
  }
  if (additionals.length === 0) return undefined
  return { answers: [{ name: init.serviceTag, type: 'PTR', class: 'IN', ttl, data: instance }], additionals }
}

export function servicesResponse(serviceTag: string, ttl = 120): { answers: DnsRecord[] } {
  return { answers: [{ name: DNS_SD_META_QUERY, type: 'PTR', class: 'IN', ttl, data: serviceTag }] }
}

/**
 * The peers a response announces under `serviceTag`, except the instance
 * named `localPeerName` (our own). Multiaddrs come without their `/p2p/` part.
 */
export function parseResponse(
  packet: DnsPacket,
  serviceTag: string,
  localPeerName: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): PeerInfo[] {
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])].slice(0, limits.maxRecords)
  const tag = serviceTag.toLowerCase()
  const self = `${localPeerName}.${serviceTag}`.toLowerCase()
  const instances = new Set<string>()
  for (const record of records) {
    if (record.type !== 'PTR' || String(record.name).toLowerCase() !== tag) continue
    const instance = String(record.data).toLowerCase()
    if (instance !== self) instances.add(instance)
  }
  if (instances.size === 0) return []
  const peers = new Map<string, { id: PeerId; multiaddrs: Map<string, Multiaddr> }>()
  for (const record of records) {
    if (record.type !== 'TXT' || !instances.has(String(record.name).toLowerCase())) continue
    for (const text of txtStrings(record)) {
      const found = parseDnsaddr(text)
      if (found == null) continue
      const key = found.id.toString()
      let peer = peers.get(key)
      if (peer == null) {
        if (peers.size >= limits.maxPeers) continue
        peer = { id: found.id, multiaddrs: new Map() }
        peers.set(key, peer)
      }
      if (peer.multiaddrs.size < limits.maxAddresses)
        peer.multiaddrs.set(found.address.toString(), found.address)
    }
  }
  return [...peers.values()].map((peer) => ({ id: peer.id, multiaddrs: [...peer.multiaddrs.values()] }))
}

function txtStrings(record: DnsRecord): string[] {
  const data = record.data as unknown
  const list = Array.isArray(data) ? data : [data]
  const out: string[] = []
  for (const item of list.slice(0, 64)) {
    if (typeof item === 'string') out.push(item)
    else if (item instanceof Uint8Array) out.push(new TextDecoder().decode(item))
  }
  return out
}

/** `dnsaddr=<multiaddr>/p2p/<id>` → the address (without /p2p) and the peer id; undefined if malformed. */
export function parseDnsaddr(text: string): { id: PeerId; address: Multiaddr } | undefined {
  if (!text.startsWith(DNSADDR) || text.length > MAX_TXT_STRING_LENGTH) return undefined
  try {
    const address = multiaddr(text.slice(DNSADDR.length))
    const name = address.getComponents().findLast((component) => component.code === P2P)?.value
    if (name == null) return undefined
    return { id: peerIdFromString(name), address: address.decapsulateCode(P2P) }
  } catch {
    return undefined
  }
}
