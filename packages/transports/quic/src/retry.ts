/**
 * The Retry integrity tag (RFC 9001 §5.8): AES-128-GCM with a fixed key and
 * nonce over the Retry pseudo-packet (the original Destination Connection ID,
 * length-prefixed, then the Retry packet without its tag), empty plaintext.
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto'
import { encodeRetryWithoutTag, QUIC_V1 } from './packet-header.js'

const RETRY_KEY_V1 = Uint8Array.from([
  0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e,
])
const RETRY_NONCE_V1 = Uint8Array.from([
  0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
])

export function retryIntegrityTag(originalDcid: Uint8Array, retryWithoutTag: Uint8Array): Uint8Array {
  const pseudo = new Uint8Array(1 + originalDcid.length + retryWithoutTag.length)
  pseudo[0] = originalDcid.length
  pseudo.set(originalDcid, 1)
  pseudo.set(retryWithoutTag, 1 + originalDcid.length)
  const cipher = createCipheriv('aes-128-gcm', RETRY_KEY_V1, RETRY_NONCE_V1, { authTagLength: 16 })
  cipher.setAAD(pseudo)
  cipher.final()
  return new Uint8Array(cipher.getAuthTag())
}

/** A complete Retry packet for a client whose first Initial went to `originalDcid`. */
export function encodeRetry(init: {
  originalDcid: Uint8Array
  dcid: Uint8Array
  scid: Uint8Array
  token: Uint8Array
}): Uint8Array {
  const body = encodeRetryWithoutTag({
    version: QUIC_V1,
    dcid: init.dcid,
    scid: init.scid,
    token: init.token,
  })
  const tag = retryIntegrityTag(init.originalDcid, body)
  const packet = new Uint8Array(body.length + tag.length)
  packet.set(body)
  packet.set(tag, body.length)
  return packet
}

/** Whether a received Retry `packet` (tag included) answers our Initial to `originalDcid`. */
export function verifyRetry(originalDcid: Uint8Array, packet: Uint8Array): boolean {
  if (packet.length < 16) return false
  const expected = retryIntegrityTag(originalDcid, packet.subarray(0, packet.length - 16))
  return timingSafeEqual(expected, packet.subarray(packet.length - 16))
}
