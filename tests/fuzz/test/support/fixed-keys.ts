/**
 * Fixed Noise keys, so the handshake messages in the corpus are valid for the
 * fuzz targets' handshake states (test vectors do the same with ephemerals).
 */
import { nodeCrypto, type X25519KeyPair } from '@weft/noise'

/** the transport key of the noise-frames target */
export const FRAME_KEY = new Uint8Array(32).fill(9)

function pair(fill: number): X25519KeyPair {
  return nodeCrypto.x25519KeyPairFromPrivateKey(new Uint8Array(32).fill(fill))
}

export function handshakeKeys(): {
  initiator: { staticKeyPair: X25519KeyPair; ephemeralKeyPair: X25519KeyPair }
  responder: { staticKeyPair: X25519KeyPair; ephemeralKeyPair: X25519KeyPair }
} {
  return {
    initiator: { staticKeyPair: pair(1), ephemeralKeyPair: pair(2) },
    responder: { staticKeyPair: pair(3), ephemeralKeyPair: pair(4) },
  }
}

/** the clock of the mqtt-signal target: signals in its corpus expire a minute after it */
export const SIGNAL_NOW = 1_800_000_000_000

/** the clock of the tls-certificate target: the certificate in its corpus is valid then */
export const CERTIFICATE_NOW = 1_800_000_000_000
