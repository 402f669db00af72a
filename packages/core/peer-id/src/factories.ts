/**
 * Building PeerIds from keys, text, multihashes and CIDs. Every parser is
 * bounded and turns malformed input into `InvalidPeerIdError` (or
 * `InvalidCIDError` for a CID of the wrong kind).
 */

import type {
  Ed25519PeerId,
  Ed25519PublicKey,
  PeerId,
  PrivateKey,
  PublicKey,
  RSAPeerId,
  RSAPublicKey,
  Secp256k1PeerId,
  Secp256k1PublicKey,
} from '@libp2p/interface'
import { publicKeyFromMultihash, publicKeyToProtobuf } from '@weft/crypto'
import { equalBytes } from '@weft/utils'
import type { MultibaseDecoder } from 'multiformats/bases/interface'
import type { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { InvalidCIDError, InvalidPeerIdError, UnsupportedKeyTypeError } from './errors.js'
import { LIBP2P_KEY_CODEC, multihashFromBytes, parseText } from './internal/text.js'
import { Ed25519PeerIdObject, RSAPeerIdObject, Secp256k1PeerIdObject } from './peer-id.js'

const IDENTITY_CODE = 0x00
const SHA2_256_CODE = 0x12
const SHA2_256_LENGTH = 32
/** The peer-id spec inlines keys whose protobuf form is at most this long. */
const MAX_INLINE_KEY_LENGTH = 42

export function peerIdFromPublicKey(key: Ed25519PublicKey): Ed25519PeerId
export function peerIdFromPublicKey(key: Secp256k1PublicKey): Secp256k1PeerId
export function peerIdFromPublicKey(key: RSAPublicKey): RSAPeerId
export function peerIdFromPublicKey(key: PublicKey): PeerId
export function peerIdFromPublicKey(key: PublicKey): PeerId {
  switch (key?.type) {
    case 'Ed25519':
      return new Ed25519PeerIdObject(key)
    case 'secp256k1':
      return new Secp256k1PeerIdObject(key)
    case 'RSA':
      return new RSAPeerIdObject(key.toMultihash(), key)
    default:
      throw new UnsupportedKeyTypeError(
        `expected an Ed25519, secp256k1 or RSA public key, got ${String((key as { type?: unknown })?.type)}`,
      )
  }
}

export function peerIdFromPrivateKey(key: PrivateKey): PeerId {
  return peerIdFromPublicKey(key.publicKey as PublicKey)
}

/**
 * Parses either text form: base58btc multihash (`12D3KooW…`, `16Uiu2…`,
 * `Qm…`) or a CIDv1 with the libp2p-key codec in any multibase (`bafz…`).
 * Pass `decoder` to restrict the multibases accepted.
 */
export function peerIdFromString(text: string, decoder?: MultibaseDecoder<string>): PeerId {
  let form: ReturnType<typeof parseText>
  try {
    form = parseText(text, decoder)
  } catch (err) {
    throw new InvalidPeerIdError(`expected a base58btc multihash or a libp2p-key CID: ${reason(err)}`)
  }
  return form.kind === 'multihash' ? peerIdFromMultihash(form.multihash) : peerIdFromCID(form.cid)
}

/** Parses a binary multihash, e.g. the `peer_id` field of a protobuf message. */
export function peerIdFromBytes(bytes: Uint8Array): PeerId {
  let multihash: MultihashDigest
  try {
    multihash = multihashFromBytes(bytes)
  } catch (err) {
    throw new InvalidPeerIdError(`expected a binary multihash: ${reason(err)}`)
  }
  return peerIdFromMultihash(multihash)
}

/**
 * Builds the PeerId a multihash names: an identity hash must hold a canonical
 * Ed25519 or secp256k1 protobuf key of at most 42 bytes; a sha2-256 hash is an
 * RSA peer id whose key is not known.
 */
export function peerIdFromMultihash(multihash: MultihashDigest): PeerId {
  if (multihash?.digest instanceof Uint8Array === false) {
    throw new InvalidPeerIdError('expected a multihash digest object')
  }
  if (multihash.code === SHA2_256_CODE) {
    if (multihash.digest.byteLength !== SHA2_256_LENGTH) {
      throw new InvalidPeerIdError(
        `expected a 32-byte sha2-256 digest, got ${multihash.digest.byteLength} bytes`,
      )
    }
    // Rebuilt so the id's bytes are exactly code || size || digest, whatever object came in.
    return new RSAPeerIdObject(createDigest(SHA2_256_CODE, multihash.digest))
  }
  if (multihash.code !== IDENTITY_CODE) {
    throw new InvalidPeerIdError(
      `expected an identity (0x00) or sha2-256 (0x12) multihash, got code 0x${multihash.code.toString(16)}`,
    )
  }
  if (multihash.digest.byteLength > MAX_INLINE_KEY_LENGTH) {
    throw new InvalidPeerIdError(
      `expected an inlined key of at most ${MAX_INLINE_KEY_LENGTH} bytes, got ${multihash.digest.byteLength}`,
    )
  }
  let key: Ed25519PublicKey | Secp256k1PublicKey
  try {
    key = publicKeyFromMultihash(multihash)
  } catch (err) {
    throw new InvalidPeerIdError(`identity multihash does not hold a usable key: ${reason(err)}`)
  }
  // One key, one id: a non-canonical encoding of the same key would name a different peer.
  if (!equalBytes(publicKeyToProtobuf(key), multihash.digest)) {
    throw new InvalidPeerIdError('identity multihash holds a key that is not canonically encoded')
  }
  return key.type === 'Ed25519' ? new Ed25519PeerIdObject(key) : new Secp256k1PeerIdObject(key)
}

/** Builds the PeerId a CIDv1 with the libp2p-key codec (0x72) names. */
export function peerIdFromCID(cid: CID): PeerId {
  if (cid?.version !== 1 || cid.code !== LIBP2P_KEY_CODEC) {
    throw new InvalidCIDError(
      `expected a CIDv1 with the libp2p-key codec (0x72), got version ${cid?.version} codec 0x${cid?.code?.toString(16)}`,
    )
  }
  return peerIdFromMultihash(cid.multihash)
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
