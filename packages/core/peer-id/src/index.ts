/**
 * @weft/peer-id: libp2p peer ids (peer-ids/peer-ids.md) implementing the
 * `@libp2p/interface` 3.x `PeerId` types: from keys, to and from base58btc
 * multihash text and CIDv1 strings.
 *
 * ```ts
 * import { generateKeyPair } from '@weft/crypto'
 * import { peerIdFromPrivateKey, peerIdFromString } from '@weft/peer-id'
 *
 * const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
 * peerId.toString() // '12D3KooW…'
 * const again = peerIdFromString(peerId.toCID().toString()) // 'bafzaa…' works too
 * again.equals(peerId) // true; equals also takes strings and multihash bytes
 * ```
 *
 * Ed25519 and secp256k1 ids inline the key (identity multihash) and always
 * have `publicKey`; RSA ids are a sha2-256 hash, so an RSA id parsed from text
 * has no `publicKey`. ECDSA keys have no PeerId type in `@libp2p/interface`
 * and are refused with `UnsupportedKeyTypeError`. Parsers are bounded
 * (`MAX_PEER_ID_STRING_LENGTH`, `MAX_MULTIHASH_LENGTH`) and throw
 * `InvalidPeerIdError` / `InvalidCIDError`.
 */
export type { Ed25519PeerId, PeerId, RSAPeerId, Secp256k1PeerId } from '@libp2p/interface'
export { isPeerId } from '@libp2p/interface'
export {
  InvalidCIDError,
  InvalidMultihashError,
  InvalidPeerIdError,
  UnsupportedKeyTypeError,
} from './errors.js'
export {
  peerIdFromBytes,
  peerIdFromCID,
  peerIdFromMultihash,
  peerIdFromPrivateKey,
  peerIdFromPublicKey,
  peerIdFromString,
} from './factories.js'
export { MAX_MULTIHASH_LENGTH, MAX_PEER_ID_STRING_LENGTH } from './internal/text.js'
