/**
 * Addresses on the wire: BEP5 "compact IP-address/port info" (6 bytes IPv4,
 * 18 bytes IPv6, BEP32) and "compact node info" (20-byte id + compact
 * address: 26 or 38 bytes).
 */
import { isIP } from 'node:net'

export type Family = 4 | 6

/** A UDP endpoint. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** A node as other nodes describe it: id and endpoint. */
export interface NodeContact extends Address {
  readonly id: Uint8Array
}

export const ID_LENGTH = 20

export function familyOf(host: string): Family | undefined {
  const family = isIP(host)
  return family === 4 || family === 6 ? family : undefined
}

export function addressKey(address: Address): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`
}

/** The 4 or 16 bytes of an IP address, or undefined when `host` is not one. */
export function ipBytes(host: string): Uint8Array | undefined {
  const family = familyOf(host)
  if (family === 4) return Uint8Array.from(host.split('.').map(Number))
  if (family !== 6) return undefined
  let text = host
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  const bytes = new Uint8Array(16)
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const four = tail.split('.').map(Number)
    const a = four[0] ?? 0
    const b = four[1] ?? 0
    const c = four[2] ?? 0
    const d = four[3] ?? 0
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = [
    ...headGroups,
    ...new Array(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ]
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16)
    bytes[index * 2] = value >> 8
    bytes[index * 2 + 1] = value & 0xff
  })
  return bytes
}

export function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const groups: string[] = []
  for (let index = 0; index < 16; index += 2) {
    groups.push((((bytes[index] as number) << 8) | (bytes[index + 1] as number)).toString(16))
  }
  // RFC 5952: the longest run of zero groups (two or more) becomes ::
  let bestStart = -1
  let bestLength = 0
  for (let start = 0; start < 8; ) {
    if (groups[start] !== '0') {
      start++
      continue
    }
    let end = start
    while (end < 8 && groups[end] === '0') end++
    if (end - start > bestLength && end - start > 1) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  if (bestStart < 0) return groups.join(':')
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`
}

/** Compact IP-address/port info: 6 bytes (IPv4) or 18 bytes (IPv6). */
export function encodeAddress(address: Address): Uint8Array {
  const ip = ipBytes(address.host)
  if (ip === undefined) throw new TypeError(`expected an IP address, got ${address.host}`)
  const out = new Uint8Array(ip.length + 2)
  out.set(ip)
  out[ip.length] = address.port >> 8
  out[ip.length + 1] = address.port & 0xff
  return out
}

export function decodeAddress(bytes: Uint8Array): Address | undefined {
  if (bytes.length !== 6 && bytes.length !== 18) return undefined
  const ip = bytes.subarray(0, bytes.length - 2)
  const port = ((bytes[bytes.length - 2] as number) << 8) | (bytes[bytes.length - 1] as number)
  return { host: ipText(ip), port }
}

/** Concatenated compact node infos for `nodes` (IPv4) or `nodes6` (IPv6). */
export function encodeNodes(nodes: readonly NodeContact[], family: Family): Uint8Array {
  const size = family === 4 ? 26 : 38
  const matching = nodes.filter((node) => familyOf(node.host) === family)
  const out = new Uint8Array(matching.length * size)
  matching.forEach((node, index) => {
    out.set(node.id, index * size)
    out.set(encodeAddress(node), index * size + ID_LENGTH)
  })
  return out
}

/** Parses `nodes`/`nodes6`; entries with port 0 are skipped; a ragged length yields nothing. */
export function decodeNodes(bytes: Uint8Array, family: Family, max = 64): NodeContact[] {
  const size = family === 4 ? 26 : 38
  if (bytes.length % size !== 0) return []
  const nodes: NodeContact[] = []
  for (let offset = 0; offset < bytes.length && nodes.length < max; offset += size) {
    const address = decodeAddress(bytes.subarray(offset + ID_LENGTH, offset + size))
    if (address === undefined || address.port === 0) continue
    nodes.push({ id: bytes.slice(offset, offset + ID_LENGTH), ...address })
  }
  return nodes
}
