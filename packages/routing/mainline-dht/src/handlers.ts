/**
 * The BEP5 queries a node answers: ping, find_node, get_peers,
 * announce_peer; BEP32 `want` picks the address families of `nodes`/`nodes6`.
 */
import {
  type Address,
  decodeAddress,
  encodeAddress,
  encodeNodes,
  type Family,
  familyOf,
  ID_LENGTH,
} from './address.js'
import { type BencodeDict, bytesToLatin1 } from './bencode.js'
import { ErrorCode, KrpcError } from './errors.js'
import type { Query } from './message.js'
import type { QueryHandler } from './options.js'
import type { PeerStore } from './peer-store.js'
import type { RoutingTable } from './routing-table.js'
import type { Tokens } from './tokens.js'

export interface HandlerContext {
  readonly table: RoutingTable
  readonly peers: PeerStore
  readonly tokens: Tokens
  /** Families this node has sockets for. */
  readonly families: readonly Family[]
  readonly onAnnounce: (infohash: Uint8Array, peer: Address) => void
}

export function bytesArg(query: Query, key: string, length?: number): Uint8Array {
  const value = query.args[key]
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    throw new KrpcError(ErrorCode.protocol, `${query.method}: argument ${key} missing or malformed`)
  }
  return value
}

/** BEP32: the families asked for with `want`, else the requester's own. */
export function wantedFamilies(query: Query, from: Address, families: readonly Family[]): Family[] {
  const want = query.args.want
  const asked: Family[] = []
  if (Array.isArray(want)) {
    for (const item of want) {
      if (!(item instanceof Uint8Array)) continue
      const name = bytesToLatin1(item)
      if (name === 'n4' && !asked.includes(4)) asked.push(4)
      if (name === 'n6' && !asked.includes(6)) asked.push(6)
    }
  }
  if (asked.length === 0) asked.push(familyOf(from.host) ?? 4)
  return asked.filter((family) => families.includes(family))
}

export function closestNodes(
  context: HandlerContext,
  target: Uint8Array,
  query: Query,
  from: Address,
): BencodeDict {
  const values: BencodeDict = {}
  for (const family of wantedFamilies(query, from, context.families)) {
    const nodes = context.table.closest(target, context.table.k, (node) => familyOf(node.host) === family)
    values[family === 4 ? 'nodes' : 'nodes6'] = encodeNodes(nodes, family)
  }
  return values
}

export function builtInHandlers(context: HandlerContext): Record<string, QueryHandler> {
  return {
    ping: () => ({}),
    find_node: (query, from) => closestNodes(context, bytesArg(query, 'target', ID_LENGTH), query, from),
    get_peers: (query, from) => {
      const infohash = bytesArg(query, 'info_hash', ID_LENGTH)
      const values = closestNodes(context, infohash, query, from)
      values.token = context.tokens.issue(from.host)
      const peers = context.peers.get(infohash, 50, familyOf(from.host))
      if (peers.length > 0) values.values = peers.map(encodeAddress)
      return values
    },
    announce_peer: (query, from) => {
      const infohash = bytesArg(query, 'info_hash', ID_LENGTH)
      const token = bytesArg(query, 'token')
      if (token.length > 64 || !context.tokens.check(token, from.host)) {
        throw new KrpcError(ErrorCode.protocol, 'announce_peer: bad token')
      }
      const implied = query.args.implied_port === 1
      const port = implied ? from.port : query.args.port
      if (typeof port !== 'number' || port < 1 || port > 65535) {
        throw new KrpcError(ErrorCode.protocol, 'announce_peer: port missing or out of range')
      }
      const peer = { host: from.host, port }
      context.peers.add(infohash, peer)
      context.onAnnounce(infohash, peer)
      return {}
    },
  }
}

/** `values` of a get_peers response: compact peers, malformed entries skipped. */
export function decodePeers(values: unknown, max = 200): Address[] {
  if (!Array.isArray(values)) return []
  const peers: Address[] = []
  for (const value of values) {
    if (peers.length >= max) break
    if (!(value instanceof Uint8Array)) continue
    const peer = decodeAddress(value)
    if (peer !== undefined && peer.port !== 0) peers.push(peer)
  }
  return peers
}
