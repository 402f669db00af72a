/**
 * PCP wire format (RFC 6887), the MAP opcode only: requests to UDP port 5351
 * of the gateway. Pure functions; a malformed answer is an
 * `InvalidResponseError`, a NAT-PMP-shaped answer (version 0) or
 * UNSUPP_VERSION an `UnsupportedVersionError`.
 */
import { parseIpv4, parseIpv6 } from '@weft/utils'
import { InvalidResponseError, UnsupportedVersionError } from './errors.js'

export const PCP_VERSION = 2
export const OPCODE_MAP = 1
const HEADER_BYTES = 24
const MAP_BYTES = 36
/** §7: a PCP message is at most 1100 bytes. */
export const MAX_PCP_MESSAGE = 1100

/** Result codes (§7.4). */
export const PCP_RESULTS: Record<number, string> = {
  0: 'SUCCESS',
  1: 'UNSUPP_VERSION',
  2: 'NOT_AUTHORIZED',
  3: 'MALFORMED_REQUEST',
  4: 'UNSUPP_OPCODE',
  5: 'UNSUPP_OPTION',
  6: 'MALFORMED_OPTION',
  7: 'NETWORK_FAILURE',
  8: 'NO_RESOURCES',
  9: 'UNSUPP_PROTOCOL',
  10: 'USER_EX_QUOTA',
  11: 'CANNOT_PROVIDE_EXTERNAL',
  12: 'ADDRESS_MISMATCH',
  13: 'EXCESSIVE_REMOTE_PEERS',
}
export const UNSUPP_VERSION = 1

const PROTOCOL_NUMBERS = { tcp: 6, udp: 17 } as const

export interface PcpMapRequest {
  /** 12 random bytes naming the mapping (§11.1); the same for renewals and deletion */
  nonce: Uint8Array
  protocol: 'tcp' | 'udp'
  internalPort: number
  /** 0: any */
  suggestedExternalPort: number
  /** '' or '0.0.0.0' / '::': any */
  suggestedExternalAddress: string
  /** seconds; 0 deletes */
  lifetime: number
  /** the client's own address, as the server sees the source of the request */
  clientAddress: string
}

export interface PcpMapAnswer {
  result: number
  lifetime: number
  epoch: number
  nonce: Uint8Array
  protocol: number
  internalPort: number
  externalPort: number
  externalAddress: string
}

/** §7.1 common request header + §11.1 MAP opcode body. */
export function encodeMapRequest(request: PcpMapRequest): Uint8Array {
  if (request.nonce.byteLength !== 12)
    throw new RangeError(`a MAP nonce is 12 bytes, not ${request.nonce.byteLength}`)
  if (!Number.isInteger(request.internalPort) || request.internalPort < 1 || request.internalPort > 65_535) {
    throw new RangeError(`internalPort ${request.internalPort} is not a port`)
  }
  if (
    !Number.isInteger(request.suggestedExternalPort) ||
    request.suggestedExternalPort < 0 ||
    request.suggestedExternalPort > 65_535
  ) {
    throw new RangeError(`suggestedExternalPort ${request.suggestedExternalPort} is not a port`)
  }
  if (!Number.isInteger(request.lifetime) || request.lifetime < 0 || request.lifetime > 0xffffffff) {
    throw new RangeError(`lifetime ${request.lifetime} is not a u32`)
  }
  const out = new Uint8Array(HEADER_BYTES + MAP_BYTES)
  const view = new DataView(out.buffer)
  out[0] = PCP_VERSION
  out[1] = OPCODE_MAP
  view.setUint32(4, request.lifetime)
  out.set(addressBytes(request.clientAddress), 8)
  out.set(request.nonce, 24)
  out[36] = PROTOCOL_NUMBERS[request.protocol]
  view.setUint16(40, request.internalPort)
  view.setUint16(42, request.suggestedExternalPort)
  const suggested = request.suggestedExternalAddress
  out.set(
    addressBytes(suggested === '' ? (request.clientAddress.includes(':') ? '::' : '0.0.0.0') : suggested),
    44,
  )
  return out
}

/** §7.2 answer header + §11.1 MAP body. */
export function decodeMapAnswer(packet: Uint8Array): PcpMapAnswer {
  if (packet.byteLength < 2) throw new InvalidResponseError(`a PCP answer of ${packet.byteLength} bytes`)
  // a NAT-PMP server answers any version it does not know with its own version 0 (RFC 6887 §9)
  if (packet[0] !== PCP_VERSION) throw new UnsupportedVersionError(packet[0]!)
  if (
    packet.byteLength < HEADER_BYTES ||
    packet.byteLength > MAX_PCP_MESSAGE ||
    packet.byteLength % 4 !== 0
  ) {
    throw new InvalidResponseError(
      `a PCP answer of ${packet.byteLength} bytes; 24..1100, a multiple of 4, expected`,
    )
  }
  if (packet[1] !== (0x80 | OPCODE_MAP))
    throw new InvalidResponseError(`a PCP answer with R/opcode ${packet[1]}; ${0x80 | OPCODE_MAP} expected`)
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
  const result = packet[3]!
  if (result === UNSUPP_VERSION) throw new UnsupportedVersionError(packet[0]!)
  const lifetime = view.getUint32(4)
  const epoch = view.getUint32(8)
  if (packet.byteLength < HEADER_BYTES + MAP_BYTES) {
    // an error answer may omit the opcode body only when it is shorter than the request (§7.2); MAP never is
    throw new InvalidResponseError(
      `a MAP answer of ${packet.byteLength} bytes; at least ${HEADER_BYTES + MAP_BYTES} expected`,
    )
  }
  return {
    result,
    lifetime,
    epoch,
    nonce: packet.slice(24, 36),
    protocol: packet[36]!,
    internalPort: view.getUint16(40),
    externalPort: view.getUint16(42),
    externalAddress: addressText(packet.subarray(44, 60)),
  }
}

/** An address as PCP's 16 bytes: IPv6 as is, IPv4 mapped (::ffff:a.b.c.d). */
export function addressBytes(address: string): Uint8Array {
  const v4 = parseIpv4(address)
  if (v4 != null) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4)
  const v6 = parseIpv6(address)
  if (v6 == null) throw new TypeError(`${JSON.stringify(address)} is no IP address`)
  return Uint8Array.from(v6)
}

/** 16 PCP address bytes as text: IPv4-mapped becomes dotted IPv4. */
export function addressText(bytes: Uint8Array): string {
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return Array.from(bytes.subarray(12, 16)).join('.')
  }
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::')
}
