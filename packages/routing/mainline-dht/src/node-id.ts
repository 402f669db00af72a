/**
 * Node ids: XOR distance, random ids, and BEP42 secure ids, whose first 21
 * bits are the CRC32-C of the node's masked external IP, so an attacker
 * cannot pick ids near a target without owning addresses to match.
 */
import { randomBytes } from 'node:crypto'
import { ID_LENGTH, ipBytes } from './address.js'
import { crc32c } from './crc32c.js'

export function randomId(): Uint8Array {
  return new Uint8Array(randomBytes(ID_LENGTH))
}

export function idToHex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex')
}

export function idToBigInt(id: Uint8Array): bigint {
  return BigInt(`0x${idToHex(id) || '0'}`)
}

export function distance(a: Uint8Array, b: Uint8Array): bigint {
  let value = 0n
  for (let index = 0; index < ID_LENGTH; index++) {
    value = (value << 8n) | BigInt(((a[index] ?? 0) ^ (b[index] ?? 0)) & 0xff)
  }
  return value
}

/** Number of leading bits `a` and `b` share (160 when equal). */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let index = 0; index < ID_LENGTH; index++) {
    const x = ((a[index] ?? 0) ^ (b[index] ?? 0)) & 0xff
    if (x !== 0) return index * 8 + Math.clz32(x) - 24
  }
  return ID_LENGTH * 8
}

export function equalIds(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

const V4_MASK = [0x03, 0x0f, 0x3f, 0xff]
const V6_MASK = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff]

function securePrefix(ip: Uint8Array, r: number): number {
  const mask = ip.length === 4 ? V4_MASK : V6_MASK
  const masked = Uint8Array.from(mask, (bits, index) => (ip[index] as number) & bits)
  masked[0] = (masked[0] as number) | ((r & 0x7) << 5)
  return crc32c(masked)
}

/**
 * A BEP42 id for `host`. `random` is the id's last byte (its low 3 bits pick
 * r) and `rest` the bytes 3..18; both are random unless given (test vectors).
 */
export function secureId(host: string, random = randomBytes(1)[0] as number, rest?: Uint8Array): Uint8Array {
  const ip = ipBytes(host)
  if (ip === undefined) throw new TypeError(`expected an IP address, got ${host}`)
  const crc = securePrefix(ip, random)
  const id = new Uint8Array(ID_LENGTH)
  id.set(rest ?? randomBytes(ID_LENGTH), 0)
  id[0] = (crc >>> 24) & 0xff
  id[1] = (crc >>> 16) & 0xff
  id[2] = ((crc >>> 8) & 0xf8) | ((id[2] as number) & 0x7)
  id[19] = random & 0xff
  return id
}

/** Addresses BEP42 exempts: loopback, private, link-local (and unparseable). */
export function isLocalAddress(host: string): boolean {
  const ip = ipBytes(host)
  if (ip === undefined) return true
  if (ip.length === 4) {
    const [a = 0, b = 0] = ip
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && (b & 0xf0) === 16) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    )
  }
  const isLoopback = ip.every((byte, index) => byte === (index === 15 ? 1 : 0))
  const first = ip[0] ?? 0
  return isLoopback || (first & 0xfe) === 0xfc || (first === 0xfe && ((ip[1] ?? 0) & 0xc0) === 0x80)
}

/** Whether `id` is a valid BEP42 id for `host` (local addresses always are). */
export function isSecureId(id: Uint8Array, host: string): boolean {
  if (isLocalAddress(host)) return true
  const ip = ipBytes(host)
  if (ip === undefined || id.length !== ID_LENGTH) return false
  const crc = securePrefix(ip, id[19] as number)
  return (
    id[0] === ((crc >>> 24) & 0xff) &&
    id[1] === ((crc >>> 16) & 0xff) &&
    ((id[2] as number) & 0xf8) === ((crc >>> 8) & 0xf8)
  )
}
