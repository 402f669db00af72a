/**
 * Packet protection keys (RFC 9001 §5.1, §5.2, §6): key, IV and header
 * protection key from a traffic secret; the Initial secrets from the client's
 * first Destination Connection ID and the version 1 salt; the next
 * generation of keys for a key update ("quic ku"), which keeps the header
 * protection key.
 */
import { type CipherSuite, TLS_AES_128_GCM_SHA256 } from './cipher-suite.js'
import { hashLength, hkdfExpandLabel, hkdfExtract } from './hkdf.js'

/** RFC 9001 §5.2: the QUIC version 1 Initial salt. */
export const INITIAL_SALT_V1 = Uint8Array.from([
  0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb,
  0x7f, 0x0a,
])

export interface PacketKeys {
  suite: CipherSuite
  /** the traffic secret these keys came from; the next key phase derives from it */
  secret: Uint8Array
  key: Uint8Array
  iv: Uint8Array
  hp: Uint8Array
}

export function derivePacketKeys(suite: CipherSuite, secret: Uint8Array, hp?: Uint8Array): PacketKeys {
  const empty = new Uint8Array(0)
  return {
    suite,
    secret,
    key: hkdfExpandLabel(suite.hash, secret, 'quic key', empty, suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'quic iv', empty, 12),
    hp: hp ?? hkdfExpandLabel(suite.hash, secret, 'quic hp', empty, suite.keyLength),
  }
}

/** The keys of the next key phase (RFC 9001 §6.1): a new secret, key and IV; the same header protection key. */
export function nextPacketKeys(keys: PacketKeys): PacketKeys {
  const secret = hkdfExpandLabel(
    keys.suite.hash,
    keys.secret,
    'quic ku',
    new Uint8Array(0),
    hashLength(keys.suite.hash),
  )
  return derivePacketKeys(keys.suite, secret, keys.hp)
}

export interface InitialSecrets {
  initialSecret: Uint8Array
  client: PacketKeys
  server: PacketKeys
}

/** Initial keys for both directions from the client's first Destination Connection ID (RFC 9001 §5.2). */
export function initialKeys(dcid: Uint8Array, salt: Uint8Array = INITIAL_SALT_V1): InitialSecrets {
  const suite = TLS_AES_128_GCM_SHA256
  const initialSecret = hkdfExtract(suite.hash, salt, dcid)
  const empty = new Uint8Array(0)
  return {
    initialSecret,
    client: derivePacketKeys(suite, hkdfExpandLabel(suite.hash, initialSecret, 'client in', empty, 32)),
    server: derivePacketKeys(suite, hkdfExpandLabel(suite.hash, initialSecret, 'server in', empty, 32)),
  }
}
