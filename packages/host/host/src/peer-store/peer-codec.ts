/**
 * Encodes a `StoredPeer` as the `Peer` message of peer.proto and back. The
 * decoder is total and bounded: malformed bytes, or more addresses,
 * protocols, metadata entries or tags than the limits allow, throw
 * `InvalidPeerRecordError`; the backend then drops the record.
 */
import type { PeerId } from '@libp2p/interface'
import { multiaddr as multiaddrFromBytes } from '@multiformats/multiaddr'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { ProtobufReader, ProtobufWriter, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '@weft/utils'
import { InvalidPeerRecordError } from '../errors.js'
import { normaliseStoredAddresses } from './address-form.js'
import type { PeerRecordLimits, StoredAddress, StoredPeer, StoredTag } from './peer-record-data.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodePeer(peer: StoredPeer, updated = Date.now()): Uint8Array {
  const writer = new ProtobufWriter()
  for (const address of peer.addresses.values()) {
    const field = new ProtobufWriter().bytes(1, address.multiaddr.bytes)
    if (address.isCertified) field.varint(2, 1)
    if (address.expires != null) field.varint(3, address.expires)
    writer.message(1, field)
  }
  for (const protocol of peer.protocols) writer.string(2, protocol)
  for (const [key, value] of peer.metadata) {
    writer.message(3, new ProtobufWriter().string(1, key).bytes(2, value))
  }
  for (const [name, tag] of peer.tags) {
    const field = new ProtobufWriter().string(1, name).varint(2, tag.value)
    if (tag.expires != null) field.varint(3, tag.expires)
    writer.message(4, field)
  }
  // peer ids that embed their key (Ed25519, secp256k1) need no copy of it
  if (peer.id.publicKey != null && peer.id.type === 'RSA') {
    writer.bytes(5, publicKeyToProtobuf(peer.id.publicKey))
  }
  if (peer.peerRecordEnvelope != null) writer.bytes(6, peer.peerRecordEnvelope)
  writer.varint(7, updated)
  return writer.finish()
}

export interface DecodedPeer {
  peer: StoredPeer
  updated: number
}

/** Decodes the record stored for `id`; throws InvalidPeerRecordError on anything malformed. */
export function decodePeer(id: PeerId, bytes: Uint8Array, limits: PeerRecordLimits): DecodedPeer {
  try {
    return decode(id, bytes, limits)
  } catch (err) {
    if (err instanceof InvalidPeerRecordError) throw err
    throw new InvalidPeerRecordError(
      `stored record of ${id.toString()} is malformed: ${(err as Error).message}`,
    )
  }
}

function decode(id: PeerId, bytes: Uint8Array, limits: PeerRecordLimits): DecodedPeer {
  const peer: StoredPeer = {
    id,
    addresses: new Map(),
    protocols: [],
    metadata: new Map(),
    tags: new Map(),
  }
  let updated = 0
  const fieldLimit =
    limits.maxAddresses + limits.maxProtocols + limits.maxMetadataEntries + limits.maxTags + 8
  for (const field of new ProtobufReader(bytes, { maxFields: fieldLimit })) {
    if (field.wireType === WIRE_LENGTH_DELIMITED) {
      switch (field.field) {
        case 1: {
          if (peer.addresses.size >= limits.maxAddresses) throw limit('addresses', limits.maxAddresses)
          const address = decodeAddress(field.value)
          peer.addresses.set(address.multiaddr.toString(), address)
          break
        }
        case 2:
          if (peer.protocols.length >= limits.maxProtocols) throw limit('protocols', limits.maxProtocols)
          peer.protocols.push(decoder.decode(field.value))
          break
        case 3: {
          if (peer.metadata.size >= limits.maxMetadataEntries)
            throw limit('metadata entries', limits.maxMetadataEntries)
          const [key, value] = decodeMetadata(field.value, limits.maxMetadataValueLength)
          peer.metadata.set(key, value)
          break
        }
        case 4: {
          if (peer.tags.size >= limits.maxTags) throw limit('tags', limits.maxTags)
          const [name, tag] = decodeTag(field.value)
          peer.tags.set(name, tag)
          break
        }
        case 5: {
          const withKey = peerIdFromPublicKey(publicKeyFromProtobuf(field.value))
          if (!withKey.equals(id))
            throw new InvalidPeerRecordError(`stored public key is not ${id.toString()}'s`)
          peer.id = withKey
          break
        }
        case 6:
          peer.peerRecordEnvelope = field.value.slice()
          break
      }
    } else if (field.wireType === WIRE_VARINT && field.field === 7) {
      updated = safeNumber(field.value)
    }
  }
  // records written before the peer store kept one entry per address
  peer.addresses = normaliseStoredAddresses(peer.id, peer.addresses)
  return { peer, updated }
}

function decodeAddress(bytes: Uint8Array): StoredAddress {
  let addressBytes: Uint8Array | undefined
  let isCertified = false
  let expires: number | undefined
  for (const field of new ProtobufReader(bytes, { maxFields: 8 })) {
    if (field.field === 1 && field.wireType === WIRE_LENGTH_DELIMITED) addressBytes = field.value
    else if (field.field === 2 && field.wireType === WIRE_VARINT) isCertified = field.value !== 0n
    else if (field.field === 3 && field.wireType === WIRE_VARINT) expires = safeNumber(field.value)
  }
  if (addressBytes == null) throw new InvalidPeerRecordError('an address has no multiaddr')
  const address: StoredAddress = { multiaddr: multiaddrFromBytes(addressBytes.slice()), isCertified }
  if (expires != null && expires > 0) address.expires = expires
  return address
}

function decodeMetadata(bytes: Uint8Array, maxValueLength: number): [string, Uint8Array] {
  let key: string | undefined
  let value: Uint8Array | undefined
  for (const field of new ProtobufReader(bytes, { maxFields: 8 })) {
    if (field.wireType !== WIRE_LENGTH_DELIMITED) continue
    if (field.field === 1) key = decoder.decode(field.value)
    else if (field.field === 2) value = field.value
  }
  if (key == null) throw new InvalidPeerRecordError('a metadata entry has no key')
  value ??= new Uint8Array(0)
  if (value.byteLength > maxValueLength) throw limit(`bytes of metadata "${key}"`, maxValueLength)
  return [key, value.slice()]
}

function decodeTag(bytes: Uint8Array): [string, StoredTag] {
  let name: string | undefined
  let value = 0
  let expires: number | undefined
  for (const field of new ProtobufReader(bytes, { maxFields: 8 })) {
    if (field.field === 1 && field.wireType === WIRE_LENGTH_DELIMITED) name = decoder.decode(field.value)
    else if (field.field === 2 && field.wireType === WIRE_VARINT) value = safeNumber(field.value)
    else if (field.field === 3 && field.wireType === WIRE_VARINT) expires = safeNumber(field.value)
  }
  if (name == null) throw new InvalidPeerRecordError('a tag has no name')
  if (value > 100) throw new InvalidPeerRecordError(`tag "${name}" has value ${value}, over 100`)
  return [name, expires != null && expires > 0 ? { value, expires } : { value }]
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidPeerRecordError(`${value} is out of range`)
  return Number(value)
}

function limit(what: string, max: number): InvalidPeerRecordError {
  return new InvalidPeerRecordError(`stored record holds more than ${max} ${what}`)
}
