/**
 * PeerId objects (peer-ids/peer-ids.md, "Peer Ids"): a multihash of the
 * protobuf public key, identity for Ed25519 and secp256k1 keys (the key is
 * inside), sha2-256 for RSA (the key may be unknown).
 */
import {
  type Ed25519PeerId,
  type Ed25519PublicKey,
  peerIdSymbol,
  type RSAPeerId,
  type RSAPublicKey,
  type Secp256k1PeerId,
  type Secp256k1PublicKey,
} from '@libp2p/interface'
import { equalBytes } from '@weft/utils'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { LIBP2P_KEY_CODEC, multihashBytesOf } from './internal/text.js'

const inspect = Symbol.for('nodejs.util.inspect.custom')

abstract class BasePeerId<Code extends number> {
  readonly [peerIdSymbol] = true
  readonly #multihash: MultihashDigest<Code>
  #string?: string

  constructor(multihash: MultihashDigest<Code>) {
    this.#multihash = multihash
  }

  /** The multihash as base58btc text, e.g. `12D3KooW…`, `16Uiu2…`, `Qm…`. */
  toString(): string {
    this.#string ??= base58btc.baseEncode(this.#multihash.bytes)
    return this.#string
  }

  toMultihash(): MultihashDigest<Code> {
    return this.#multihash
  }

  /** CIDv1 with the libp2p-key codec; its `toString()` is the `bafz…` form. */
  toCID(): CID<Uint8Array, 0x72, Code, 1> {
    return CID.createV1(LIBP2P_KEY_CODEC, this.#multihash)
  }

  toJSON(): string {
    return this.toString()
  }

  /** True for another PeerId, a string form (base58btc or CID) or multihash bytes of the same id. */
  equals(other?: unknown): boolean {
    if (other === null || other === undefined) return false
    const mine = this.#multihash.bytes
    if (other instanceof Uint8Array) return equalBytes(mine, other)
    if (typeof other === 'string') {
      if (other === this.toString()) return true
      const named = multihashBytesOf(other)
      return named !== undefined && equalBytes(mine, named)
    }
    if (typeof other === 'object' && typeof (other as { toMultihash?: unknown }).toMultihash === 'function') {
      const digest = (other as { toMultihash(): MultihashDigest }).toMultihash()
      return digest?.bytes instanceof Uint8Array && equalBytes(mine, digest.bytes)
    }
    return false
  }

  [inspect](): string {
    return `PeerId(${this.toString()})`
  }
}

export class Ed25519PeerIdObject extends BasePeerId<0x00> implements Ed25519PeerId {
  readonly type = 'Ed25519' as const
  readonly publicKey: Ed25519PublicKey

  constructor(publicKey: Ed25519PublicKey, multihash: MultihashDigest<0x00> = publicKey.toMultihash()) {
    super(multihash)
    this.publicKey = publicKey
  }
}

export class Secp256k1PeerIdObject extends BasePeerId<0x00> implements Secp256k1PeerId {
  readonly type = 'secp256k1' as const
  readonly publicKey: Secp256k1PublicKey

  constructor(publicKey: Secp256k1PublicKey, multihash: MultihashDigest<0x00> = publicKey.toMultihash()) {
    super(multihash)
    this.publicKey = publicKey
  }
}

export class RSAPeerIdObject extends BasePeerId<0x12> implements RSAPeerId {
  readonly type = 'RSA' as const
  readonly publicKey?: RSAPublicKey

  constructor(multihash: MultihashDigest<0x12>, publicKey?: RSAPublicKey) {
    super(multihash)
    this.publicKey = publicKey
  }
}
