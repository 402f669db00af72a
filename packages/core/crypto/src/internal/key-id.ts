/**
 * Key identifiers (peer-ids/peer-ids.md, "Peer Ids"): the protobuf public key
 * as an identity multihash when it is at most 42 bytes, else its sha2-256
 * multihash; as a CIDv1 with the libp2p-key codec (0x72); as base58btc text.
 */
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { sha256 } from '../hash.js'

export const LIBP2P_KEY_CODEC = 0x72
export const IDENTITY_CODE = 0x00
export const SHA2_256_CODE = 0x12
/** Serialized keys up to this many bytes are inlined in an identity multihash. */
export const MAX_INLINE_KEY_LENGTH = 42

export function keyMultihash(protobuf: Uint8Array): MultihashDigest<0x00> | MultihashDigest<0x12> {
  return protobuf.byteLength <= MAX_INLINE_KEY_LENGTH
    ? createDigest(IDENTITY_CODE, protobuf)
    : createDigest(SHA2_256_CODE, sha256(protobuf))
}

export function identityMultihash(protobuf: Uint8Array): MultihashDigest<0x00> {
  return createDigest(IDENTITY_CODE, protobuf)
}

export function sha256Multihash(protobuf: Uint8Array): MultihashDigest<0x12> {
  return createDigest(SHA2_256_CODE, sha256(protobuf))
}

export function keyCID<Alg extends number>(digest: MultihashDigest<Alg>): CID<unknown, 0x72, Alg, 1> {
  return CID.createV1(LIBP2P_KEY_CODEC, digest)
}

/** Base58btc text of a multihash, without the multibase prefix (`12D3KooW…`, `Qm…`). */
export function multihashString(digest: MultihashDigest): string {
  return base58btc.baseEncode(digest.bytes)
}
