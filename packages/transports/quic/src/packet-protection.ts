/**
 * Packet protection (RFC 9001 §5.3, §5.4): the AEAD over the payload with
 * the header as associated data and the IV XOR the packet number as nonce,
 * then header protection: a 5-byte mask from a 16-byte sample of the
 * ciphertext (taken 4 bytes after the start of the packet number) hides the
 * low bits of the first byte and the packet number bytes.
 *
 * Opening is total: a payload, or `DecryptionError` (the packet is dropped).
 */
import { type Cipher, type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto'
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from './cipher-suite.js'
import { DecryptionError } from './errors.js'
import type { PacketKeys } from './packet-keys.js'
import { decodePacketNumber } from './packet-number.js'

const SAMPLE_LENGTH = 16
const SAMPLE_OFFSET = 4
const ZEROES = new Uint8Array(5)

/** Node types the AEAD overloads by name; ChaCha20-Poly1305 takes the same calls as GCM. */
function aeadName(keys: PacketKeys): CipherGCMTypes {
  return keys.suite.aead as CipherGCMTypes
}

/**
 * The 5-byte header protection mask for `sample` (RFC 9001 §5.4.3,
 * §5.4.4), in a scratch buffer the caller reads at once: no allocation of
 * our own per packet.
 */
export function headerProtectionMask(keys: PacketKeys, sample: Uint8Array): Uint8Array {
  if (keys.suite.headerProtection === 'chacha20') {
    // the sample is the ChaCha20 counter (4 bytes, little-endian) then nonce: Node's 16-byte IV layout
    mask.set(createCipheriv('chacha20', keys.hp, sample).update(ZEROES).subarray(0, 5))
    return mask
  }
  // ECB keeps no state between blocks, so one cipher per key serves every packet
  let cipher = ecbCiphers.get(keys.hp)
  if (cipher == null) {
    cipher = createCipheriv('aes-128-ecb', keys.hp, null)
    cipher.setAutoPadding(false)
    ecbCiphers.set(keys.hp, cipher)
  }
  mask.set(cipher.update(sample).subarray(0, 5))
  return mask
}

const ecbCiphers = new WeakMap<Uint8Array, Cipher>()
const mask = new Uint8Array(5)

/**
 * The per-packet nonce (RFC 9001 §5.3): the IV with the packet number XORed
 * into its last 8 bytes. Written into one scratch buffer: createCipheriv
 * copies its IV, so nothing keeps a reference to it.
 */
const nonce = new Uint8Array(AEAD_NONCE_LENGTH)

function nonceFor(iv: Uint8Array, packetNumber: number): Uint8Array {
  nonce.set(iv)
  let value = packetNumber
  for (let i = AEAD_NONCE_LENGTH - 1; i >= AEAD_NONCE_LENGTH - 8 && value > 0; i--) {
    nonce[i] = (nonce[i] as number) ^ (value % 256)
    value = Math.floor(value / 256)
  }
  return nonce
}

function aeadCipher(keys: PacketKeys, packetNumber: number, header: Uint8Array, length: number) {
  const cipher = createCipheriv(aeadName(keys), keys.key, nonceFor(keys.iv, packetNumber), {
    authTagLength: AEAD_TAG_LENGTH,
  })
  cipher.setAAD(header, { plaintextLength: length })
  return cipher
}

/** AEAD-seal `plaintext`: ciphertext followed by the 16-byte tag. */
export function sealPayload(
  keys: PacketKeys,
  packetNumber: number,
  header: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher = aeadCipher(keys, packetNumber, header, plaintext.length)
  const out = new Uint8Array(plaintext.length + AEAD_TAG_LENGTH)
  out.set(cipher.update(plaintext))
  cipher.final()
  out.set(cipher.getAuthTag(), plaintext.length)
  return out
}

/** AEAD-open `sealed` (ciphertext then tag); `DecryptionError` when it does not authenticate. */
export function openPayload(
  keys: PacketKeys,
  packetNumber: number,
  header: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  if (sealed.length < AEAD_TAG_LENGTH) throw new DecryptionError('a payload shorter than the AEAD tag')
  const ciphertextLength = sealed.length - AEAD_TAG_LENGTH
  const decipher = createDecipheriv(aeadName(keys), keys.key, nonceFor(keys.iv, packetNumber), {
    authTagLength: AEAD_TAG_LENGTH,
  })
  decipher.setAAD(header, { plaintextLength: ciphertextLength })
  decipher.setAuthTag(sealed.subarray(ciphertextLength))
  // a view of the Buffer node:crypto returned, not a copy: nothing else holds it
  const opened = decipher.update(sealed.subarray(0, ciphertextLength))
  const plaintext = new Uint8Array(opened.buffer, opened.byteOffset, opened.byteLength)
  try {
    decipher.final()
  } catch (err) {
    throw new DecryptionError(`packet ${packetNumber} did not authenticate`, { cause: err })
  }
  return plaintext
}

/**
 * A protected packet from its unprotected `header` (ending with the
 * `pnLength`-byte packet number) and the frames in `plaintext`. The
 * plaintext must be long enough for the sample: `pnLength + plaintext.length >= 4`.
 */
export function protectPacket(
  keys: PacketKeys,
  header: Uint8Array,
  pnLength: number,
  packetNumber: number,
  plaintext: Uint8Array,
): Uint8Array {
  if (pnLength + plaintext.length < SAMPLE_OFFSET) {
    throw new RangeError(
      `a ${pnLength}-byte packet number needs ${SAMPLE_OFFSET - pnLength} bytes of frames for the sample`,
    )
  }
  // one allocation per packet, from Node's buffer pool and not zero-filled (every byte is
  // written below), viewed as a plain Uint8Array so slice() still copies
  const length = header.length + plaintext.length + AEAD_TAG_LENGTH
  const pooled = Buffer.allocUnsafe(length)
  const packet = new Uint8Array(pooled.buffer, pooled.byteOffset, length)
  packet.set(header)
  const cipher = aeadCipher(keys, packetNumber, header, plaintext.length)
  packet.set(cipher.update(plaintext), header.length)
  cipher.final()
  packet.set(cipher.getAuthTag(), header.length + plaintext.length)
  const pnOffset = header.length - pnLength
  const sampleStart = pnOffset + SAMPLE_OFFSET
  const mask = headerProtectionMask(keys, packet.subarray(sampleStart, sampleStart + SAMPLE_LENGTH))
  const long = ((packet[0] as number) & 0x80) !== 0
  packet[0] = (packet[0] as number) ^ ((mask[0] as number) & (long ? 0x0f : 0x1f))
  for (let i = 0; i < pnLength; i++)
    packet[pnOffset + i] = (packet[pnOffset + i] as number) ^ (mask[1 + i] as number)
  return packet
}

export interface HeaderFields {
  /** the first byte without header protection: reserved bits, key phase, packet number length */
  firstByte: number
  pnLength: 1 | 2 | 3 | 4
  packetNumber: number
  /** the unprotected header, the AEAD's associated data */
  header: Uint8Array
  /** the protected payload (ciphertext and tag) */
  sealed: Uint8Array
}

/**
 * Removes header protection from `packet` (one packet: from its first byte
 * to its end) and recovers the full packet number from the largest one
 * received in its space (-1 for none). Returns copies; `packet` is untouched.
 */
export function removeHeaderProtection(
  keys: PacketKeys,
  packet: Uint8Array,
  pnOffset: number,
  largestReceived: number,
): HeaderFields {
  const sampleStart = pnOffset + SAMPLE_OFFSET
  if (sampleStart + SAMPLE_LENGTH > packet.length) {
    throw new DecryptionError(
      `a packet of ${packet.length} bytes is too short for a header protection sample`,
    )
  }
  const mask = headerProtectionMask(keys, packet.subarray(sampleStart, sampleStart + SAMPLE_LENGTH))
  const long = ((packet[0] as number) & 0x80) !== 0
  const firstByte = (packet[0] as number) ^ ((mask[0] as number) & (long ? 0x0f : 0x1f))
  const pnLength = ((firstByte & 0x03) + 1) as 1 | 2 | 3 | 4
  const header = packet.slice(0, pnOffset + pnLength)
  header[0] = firstByte
  let truncated = 0
  for (let i = 0; i < pnLength; i++) {
    const byte = (header[pnOffset + i] as number) ^ (mask[1 + i] as number)
    header[pnOffset + i] = byte
    truncated = truncated * 256 + byte
  }
  return {
    firstByte,
    pnLength,
    packetNumber: decodePacketNumber(largestReceived, truncated, pnLength),
    header,
    sealed: packet.subarray(pnOffset + pnLength),
  }
}

export interface OpenedPacket extends HeaderFields {
  payload: Uint8Array
}

/** Header protection, then the AEAD, with one set of keys. */
export function unprotectPacket(
  keys: PacketKeys,
  packet: Uint8Array,
  pnOffset: number,
  largestReceived: number,
): OpenedPacket {
  const fields = removeHeaderProtection(keys, packet, pnOffset, largestReceived)
  return { ...fields, payload: openPayload(keys, fields.packetNumber, fields.header, fields.sealed) }
}
