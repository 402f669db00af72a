/**
 * The service's own message types and their payloads (protobuf):
 *
 * ```
 * /weft/find-peer        (empty)                       → /weft/find-peer/reply  AddressList
 * /weft/dial-back        AddressList (dial me here)     → /weft/dial-back/reply  DialBackResult
 * AddressList    { 1: repeated bytes multiaddr }
 * DialBackResult { 1: ok (bool), 2: error (string), 3: the address that worked (bytes) }
 * ```
 *
 * Types starting with `/weft/` are reserved for these; the application's
 * messages use any other type.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { ProtobufReader, ProtobufWriter, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '@weft/utils'
import { InvalidSignalError } from './errors.js'

export const RESERVED_PREFIX = '/weft/'
export const FIND_PEER = '/weft/find-peer'
export const FIND_PEER_REPLY = '/weft/find-peer/reply'
export const DIAL_BACK = '/weft/dial-back'
export const DIAL_BACK_REPLY = '/weft/dial-back/reply'

/** addresses carried in one list; more are dropped by the sender and refused by the receiver */
export const MAX_ADDRESSES = 32
const MAX_ADDRESS_LENGTH = 512
const MAX_ERROR_LENGTH = 256

export function encodeAddressList(addrs: readonly Multiaddr[]): Uint8Array {
  const writer = new ProtobufWriter()
  for (const addr of addrs.slice(0, MAX_ADDRESSES)) writer.bytes(1, addr.bytes)
  return writer.finish()
}

export function decodeAddressList(bytes: Uint8Array): Multiaddr[] {
  const out: Multiaddr[] = []
  try {
    for (const field of new ProtobufReader(bytes, { maxFields: MAX_ADDRESSES })) {
      if (field.field !== 1 || field.wireType !== WIRE_LENGTH_DELIMITED) continue
      if (field.value.byteLength > MAX_ADDRESS_LENGTH) continue
      try {
        out.push(multiaddr(field.value.slice()))
      } catch {
        // an address we cannot parse is skipped, as identify does
      }
    }
  } catch (err) {
    throw new InvalidSignalError(`address list: ${(err as Error).message}`)
  }
  return out
}

export interface DialBackResult {
  ok: boolean
  error?: string
  address?: Multiaddr
}

export function encodeDialBackResult(result: DialBackResult): Uint8Array {
  const writer = new ProtobufWriter().varint(1, result.ok ? 1 : 0)
  if (result.error !== undefined) writer.string(2, result.error.slice(0, MAX_ERROR_LENGTH))
  if (result.address !== undefined) writer.bytes(3, result.address.bytes)
  return writer.finish()
}

export function decodeDialBackResult(bytes: Uint8Array): DialBackResult {
  const result: DialBackResult = { ok: false }
  try {
    for (const field of new ProtobufReader(bytes, { maxFields: 8 })) {
      if (field.field === 1 && field.wireType === WIRE_VARINT) result.ok = field.value === 1n
      else if (field.field === 2 && field.wireType === WIRE_LENGTH_DELIMITED) {
        result.error = new TextDecoder().decode(field.value.subarray(0, MAX_ERROR_LENGTH))
      } else if (
        field.field === 3 &&
        field.wireType === WIRE_LENGTH_DELIMITED &&
        field.value.byteLength <= MAX_ADDRESS_LENGTH
      ) {
        try {
          result.address = multiaddr(field.value.slice())
        } catch {
          // informational only
        }
      }
    }
  } catch (err) {
    throw new InvalidSignalError(`dial-back result: ${(err as Error).message}`)
  }
  return result
}
