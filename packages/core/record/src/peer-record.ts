/**
 * Peer records, libp2p RFC 0003 (RFC/0003-routing-records.md, "Address Record
 * Format"), carried in signed envelopes with domain `libp2p-peer-record` and
 * payload type multicodec `libp2p-peer-record` (0x0301):
 *
 *     message PeerRecord {
 *       message AddressInfo { bytes multiaddr = 1; }
 *       bytes peer_id = 1;                 // binary multihash
 *       uint64 seq = 2;                    // increases with every new record
 *       repeated AddressInfo addresses = 3;
 *     }
 */

import type { AbortOptions, PeerId, Record } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { equalBytes, isInvalidProtobufError, ProtobufReader, ProtobufWriter } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { type DecodeOptions, RecordEnvelope } from './envelope.js'
import { InvalidPeerRecordError, LimitExceededError, UnexpectedPeerError } from './errors.js'

/** Most addresses decoded from one record. */
export const MAX_ADDRESSES = 1024
/** Largest peer record payload decoded. */
export const MAX_PEER_RECORD_SIZE = 64 * 1024
const MAX_UINT64 = 2n ** 64n - 1n
/** AddressInfo may grow metadata fields; a few are tolerated, not thousands. */
const MAX_ADDRESS_INFO_FIELDS = 16

export interface PeerRecordInit {
  peerId: PeerId
  multiaddrs?: Multiaddr[]
  /** Defaults to the current Unix time in milliseconds, kept increasing within this process. */
  seqNumber?: bigint
}

let lastSeqNumber = 0n

/** Unix milliseconds, but never equal to or below the previous default in this process. */
function nextSeqNumber(): bigint {
  const now = BigInt(Date.now())
  lastSeqNumber = now > lastSeqNumber ? now : lastSeqNumber + 1n
  return lastSeqNumber
}

export class PeerRecord implements Record {
  static readonly DOMAIN = 'libp2p-peer-record'
  /** The multicodec 0x0301 as an unsigned varint. */
  static readonly CODEC: Uint8Array = new Uint8Array([0x03, 0x01])

  readonly domain = PeerRecord.DOMAIN
  readonly codec: Uint8Array = PeerRecord.CODEC.slice()
  readonly peerId: PeerId
  readonly multiaddrs: Multiaddr[]
  readonly seqNumber: bigint
  #marshalled?: Uint8Array

  constructor(init: PeerRecordInit) {
    const seqNumber = init.seqNumber ?? nextSeqNumber()
    if (typeof seqNumber !== 'bigint' || seqNumber < 0n || seqNumber > MAX_UINT64) {
      throw new RangeError(`expected seqNumber as a bigint from 0 to 2^64 - 1, got ${String(seqNumber)}`)
    }
    this.peerId = init.peerId
    this.multiaddrs = init.multiaddrs ?? []
    this.seqNumber = seqNumber
  }

  /** Decodes a peer record payload; bounded by {@link MAX_PEER_RECORD_SIZE} and {@link MAX_ADDRESSES}. */
  static createFromProtobuf(bytes: Uint8Array | Uint8ArrayList): PeerRecord {
    const buf = bytes instanceof Uint8Array ? bytes : bytes.subarray()
    if (buf.byteLength > MAX_PEER_RECORD_SIZE) {
      throw new LimitExceededError('peer record bytes', MAX_PEER_RECORD_SIZE, buf.byteLength)
    }
    const fail = (reason: string) => new InvalidPeerRecordError(`malformed peer record: ${reason}`)
    // peer_id and seq, the addresses, and some room for fields added later
    const maxFields = MAX_ADDRESSES + 16
    let peerIdBytes: Uint8Array | undefined
    let seqNumber = 0n
    const addressBytes: Uint8Array[] = []
    let count = 0
    try {
      for (const field of new ProtobufReader(buf)) {
        if (++count > maxFields) throw new LimitExceededError('peer record fields', maxFields, count)
        if (field.field === 1) {
          if (field.wireType !== 2)
            throw fail(`expected peer_id to be bytes, got wire type ${field.wireType}`)
          peerIdBytes = field.value
        } else if (field.field === 2) {
          if (field.wireType !== 0) throw fail(`expected seq to be a varint, got wire type ${field.wireType}`)
          seqNumber = field.value
        } else if (field.field === 3) {
          if (field.wireType !== 2)
            throw fail(`expected addresses to be messages, got wire type ${field.wireType}`)
          if (addressBytes.length === MAX_ADDRESSES)
            throw new LimitExceededError('addresses', MAX_ADDRESSES, MAX_ADDRESSES + 1)
          addressBytes.push(field.value)
        }
      }
    } catch (err) {
      if (isInvalidProtobufError(err)) throw fail(err.message)
      throw err
    }
    if (peerIdBytes === undefined || peerIdBytes.byteLength === 0) throw fail('missing peer_id (field 1)')
    let peerId: PeerId
    try {
      peerId = peerIdFromBytes(peerIdBytes)
    } catch (err) {
      throw new InvalidPeerRecordError(`peer record peer_id is invalid: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const multiaddrs = addressBytes.map((info, index) => decodeAddressInfo(info, index, fail))
    return new PeerRecord({ peerId, multiaddrs, seqNumber })
  }

  marshal(): Uint8Array {
    if (this.#marshalled === undefined) {
      const writer = new ProtobufWriter().bytes(1, this.peerId.toMultihash().bytes)
      if (this.seqNumber > 0n) writer.uint64(2, this.seqNumber)
      for (const address of this.multiaddrs) writer.message(3, new ProtobufWriter().bytes(1, address.bytes))
      this.#marshalled = writer.finish()
    }
    return this.#marshalled
  }

  /**
   * Same peer, sequence number and addresses in the same order; compared by
   * the deterministic encoding, so records from other implementations compare too.
   */
  equals(other: Record): boolean {
    if (other === this) return true
    if (
      other?.domain !== this.domain ||
      !(other.codec instanceof Uint8Array) ||
      !equalBytes(other.codec, this.codec)
    ) {
      return false
    }
    return equalBytes(other.marshal(), this.marshal())
  }
}

function decodeAddressInfo(bytes: Uint8Array, index: number, fail: (reason: string) => Error): Multiaddr {
  let addressBytes: Uint8Array | undefined
  let count = 0
  try {
    for (const field of new ProtobufReader(bytes)) {
      if (++count > MAX_ADDRESS_INFO_FIELDS) {
        throw fail(`address ${index} has more than ${MAX_ADDRESS_INFO_FIELDS} fields`)
      }
      if (field.field !== 1) continue
      if (field.wireType !== 2)
        throw fail(`expected address ${index} multiaddr to be bytes, got wire type ${field.wireType}`)
      addressBytes = field.value
    }
  } catch (err) {
    if (isInvalidProtobufError(err)) throw fail(err.message)
    throw err
  }
  if (addressBytes === undefined || addressBytes.byteLength === 0)
    throw fail(`address ${index} has no multiaddr`)
  try {
    return multiaddr(addressBytes.slice())
  } catch (err) {
    throw new InvalidPeerRecordError(`address ${index} is not a valid multiaddr: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

export interface OpenPeerRecordOptions extends AbortOptions, DecodeOptions {}

/**
 * Opens a signed peer record as RFC 0003 "Certification / Verification"
 * requires: the signature must verify in the peer-record domain, the payload
 * type must be a peer record, and the record's peer id must be the signer's.
 */
export async function openPeerRecord(
  bytes: Uint8Array | Uint8ArrayList,
  options?: OpenPeerRecordOptions,
): Promise<{ envelope: RecordEnvelope; record: PeerRecord }> {
  const envelope = await RecordEnvelope.openAndCertify(bytes, PeerRecord.DOMAIN, options)
  if (!equalBytes(envelope.payloadType, PeerRecord.CODEC)) {
    throw new InvalidPeerRecordError(
      `expected payload type 0x0301 (libp2p-peer-record), got ${Array.from(envelope.payloadType, (byte) => byte.toString(16).padStart(2, '0')).join('') || 'none'}`,
    )
  }
  const record = PeerRecord.createFromProtobuf(envelope.payload)
  if (!equalBytes(record.peerId.toMultihash().bytes, envelope.publicKey.toMultihash().bytes)) {
    throw new UnexpectedPeerError(
      `peer record names ${record.peerId.toString()} but is signed by ${envelope.publicKey.toString()}`,
    )
  }
  return { envelope, record }
}
