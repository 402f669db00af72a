/**
 * @weft/crypto: Ed25519, secp256k1, ECDSA and RSA keys marshalled as the
 * libp2p peer-id spec says (peer-ids/peer-ids.md), implementing the
 * `@libp2p/interface` 3.x key interfaces. Ed25519, ECDSA, RSA and SHA-256 run
 * on node:crypto (OpenSSL); secp256k1 on @noble/curves.
 *
 * ```ts
 * import { generateKeyPair, privateKeyToProtobuf, publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
 *
 * const key = await generateKeyPair('Ed25519')
 * const signature = key.sign(new TextEncoder().encode('hello'))
 * const remote = publicKeyFromProtobuf(publicKeyToProtobuf(key.publicKey))
 * remote.verify(new TextEncoder().encode('hello'), signature) // true
 * remote.toString() // '12D3KooW…', the peer id's text form
 * const stored = privateKeyToProtobuf(key) // what goes on disk
 * ```
 *
 * Options: `generateKeyPair(type = 'Ed25519', …)` takes the RSA modulus size
 * (`bits`, 2048 to 8192, default 2048) or the ECDSA curve (`'P-256'` default,
 * `'P-384'`, `'P-521'`), and `{ signal }` last. Signing and verifying are
 * synchronous (the interface allows either). Decoders are bounded
 * (`MAX_PUBLIC_KEY_MESSAGE_LENGTH`, `MAX_PRIVATE_KEY_MESSAGE_LENGTH`) and throw
 * `InvalidPublicKeyError`, `InvalidPrivateKeyError`, `UnsupportedKeyTypeError`
 * or `UnsupportedKeySizeError` on bad input.
 *
 * ECDSA public keys serialize to more than 42 bytes, so their multihash (and
 * peer id) is sha2-256 as the spec, go-libp2p and rust-libp2p compute it,
 * although the interface's type says identity.
 */
export type {
  ECDSAPrivateKey,
  ECDSAPublicKey,
  Ed25519PrivateKey,
  Ed25519PublicKey,
  KeyType,
  PrivateKey,
  PublicKey,
  RSAPrivateKey,
  RSAPublicKey,
  Secp256k1PrivateKey,
  Secp256k1PublicKey,
} from '@libp2p/interface'
export type { ECDSACurve } from './ecdsa.js'
export {
  InvalidMultihashError,
  InvalidParametersError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  UnsupportedKeySizeError,
  UnsupportedKeyTypeError,
} from './errors.js'
export { sha256 } from './hash.js'
export {
  generateKeyPair,
  generateKeyPairFromSeed,
  MAX_PRIVATE_KEY_MESSAGE_LENGTH,
  MAX_PUBLIC_KEY_MESSAGE_LENGTH,
  privateKeyFromProtobuf,
  privateKeyFromRaw,
  privateKeyToProtobuf,
  publicKeyFromMultihash,
  publicKeyFromProtobuf,
  publicKeyFromRaw,
  publicKeyToProtobuf,
} from './keys.js'
export { MAX_RSA_BITS, MIN_RSA_BITS } from './rsa.js'
