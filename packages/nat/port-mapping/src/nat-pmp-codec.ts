/**
 * NAT-PMP wire format (RFC 6886): requests and answers on UDP port 5351 of
 * the gateway. Pure functions; a malformed answer is an `InvalidResponseError`.
 */
import { InvalidResponseError } from './errors.js'

export const NAT_PMP_PORT = 5351
export const NAT_PMP_VERSION = 0

/** Opcodes (§3.2, §3.3); an answer's opcode is the request's + 128. */
export const OPCODE_EXTERNAL_ADDRESS = 0
export const OPCODE_MAP_UDP = 1
export const OPCODE_MAP_TCP = 2

/** Result codes (§3.5). */
export const NAT_PMP_RESULTS: Record<number, string> = {
  0: 'Success',
  1: 'Unsupported Version',
  2: 'Not Authorized/Refused',
  3: 'Network Failure',
  4: 'Out of resources',
  5: 'Unsupported opcode',
}

export interface NatPmpAnswerHeader {
  opcode: number
  result: number
  /** Seconds Since Start of Epoch (§3.6) */
  epoch: number
}

export interface ExternalAddressAnswer extends NatPmpAnswerHeader {
  externalAddress: string
}

export interface MapAnswer extends NatPmpAnswerHeader {
  internalPort: number
  externalPort: number
  lifetime: number
}

/** §3.2: the external address request. */
export function encodeExternalAddressRequest(): Uint8Array {
  return Uint8Array.of(NAT_PMP_VERSION, OPCODE_EXTERNAL_ADDRESS)
}

/** §3.3: a mapping request; lifetime 0 with external port 0 deletes (§3.4). */
export function encodeMapRequest(
  protocol: 'tcp' | 'udp',
  internalPort: number,
  externalPort: number,
  lifetime: number,
): Uint8Array {
  assertPort(internalPort, 'internalPort', false)
  assertPort(externalPort, 'externalPort', true)
  if (!Number.isInteger(lifetime) || lifetime < 0 || lifetime > 0xffffffff)
    throw new RangeError(`lifetime ${lifetime} is not a u32`)
  const out = new Uint8Array(12)
  const view = new DataView(out.buffer)
  out[0] = NAT_PMP_VERSION
  out[1] = protocol === 'udp' ? OPCODE_MAP_UDP : OPCODE_MAP_TCP
  view.setUint16(4, internalPort)
  view.setUint16(6, externalPort)
  view.setUint32(8, lifetime)
  return out
}

/** The header every answer starts with (version, opcode, result, epoch), checked against the `opcode` asked. */
export function decodeAnswerHeader(packet: Uint8Array, opcode: number): NatPmpAnswerHeader {
  if (packet.byteLength < 8)
    throw new InvalidResponseError(`a NAT-PMP answer of ${packet.byteLength} bytes; at least 8 expected`)
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
  if (packet[0] !== NAT_PMP_VERSION)
    throw new InvalidResponseError(`a NAT-PMP answer of version ${packet[0]}; 0 expected`)
  if (packet[1] !== opcode + 128)
    throw new InvalidResponseError(`a NAT-PMP answer with opcode ${packet[1]}; ${opcode + 128} expected`)
  return { opcode: packet[1]! - 128, result: view.getUint16(2), epoch: view.getUint32(4) }
}

export function decodeExternalAddressAnswer(packet: Uint8Array): ExternalAddressAnswer {
  const header = decodeAnswerHeader(packet, OPCODE_EXTERNAL_ADDRESS)
  if (header.result !== 0) return { ...header, externalAddress: '' }
  if (packet.byteLength !== 12)
    throw new InvalidResponseError(`an external address answer of ${packet.byteLength} bytes; 12 expected`)
  return { ...header, externalAddress: Array.from(packet.subarray(8, 12)).join('.') }
}

export function decodeMapAnswer(packet: Uint8Array, protocol: 'tcp' | 'udp'): MapAnswer {
  const header = decodeAnswerHeader(packet, protocol === 'udp' ? OPCODE_MAP_UDP : OPCODE_MAP_TCP)
  if (header.result !== 0) return { ...header, internalPort: 0, externalPort: 0, lifetime: 0 }
  if (packet.byteLength !== 16)
    throw new InvalidResponseError(`a mapping answer of ${packet.byteLength} bytes; 16 expected`)
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
  return {
    ...header,
    internalPort: view.getUint16(8),
    externalPort: view.getUint16(10),
    lifetime: view.getUint32(12),
  }
}

/**
 * §3.6: whether the gateway lost its state. Between two answers `elapsed` ms
 * apart (by our clock) its epoch must advance by at least 7/8 of that, less
 * two seconds of slack; less means it restarted and its mappings are gone.
 * PCP (RFC 6887 §8.5) uses the same test.
 */
export function epochRegressed(previousEpoch: number, currentEpoch: number, elapsedMs: number): boolean {
  const elapsed = Math.max(0, elapsedMs) / 1000
  if (currentEpoch + 1 < previousEpoch) return true
  return currentEpoch < previousEpoch + (elapsed * 7) / 8 - 2
}

/** NAT-PMP's schedule (§3.1): 250 ms, doubling, 9 tries in all. */
export function retransmissionDelays(initial = 250, tries = 9): number[] {
  if (!Number.isInteger(tries) || tries < 1) throw new RangeError(`tries ${tries} must be a positive integer`)
  return Array.from({ length: tries }, (_, i) => initial * 2 ** i)
}

function assertPort(port: number, name: string, zeroAllowed: boolean): void {
  if (!Number.isInteger(port) || port < (zeroAllowed ? 0 : 1) || port > 65_535)
    throw new RangeError(`${name} ${port} is not a port`)
}
