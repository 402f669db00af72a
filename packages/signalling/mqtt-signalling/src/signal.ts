/**
 * One signalling message end to end, without I/O: `createSignal` signs a
 * body with the sender's libp2p key and seals it to the recipient;
 * `openSignal` undoes both and checks, in order of cost: size, framing,
 * the seal, the recipient, the signature (and that the key is the sender's
 * peer id), the expiry window. Replays are the caller's (a ReplayCache).
 */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromBytes, peerIdFromPublicKey } from '@weft/peer-id'
import { concatBytes, equalBytes } from '@weft/utils'
import {
  type Body,
  decodeBody,
  decodeSealed,
  decodeSigned,
  encodeBody,
  encodeSealed,
  encodeSigned,
  NONCE_LENGTH,
} from './envelope.js'
import {
  ExpiredSignalError,
  InvalidSignalError,
  InvalidSignatureError,
  SignalTooLargeError,
  UnsupportedRecipientError,
} from './errors.js'
import { montgomeryPublicKey, montgomerySecret, seal, unseal } from './seal.js'

const SIGNATURE_DOMAIN = new TextEncoder().encode('weft-mqtt-signalling/v1 signature:')

/** What the application sends. */
export interface SignalMessage {
  type: string
  payload: Uint8Array
}

/** A message that passed every check. */
export interface OpenedSignal extends SignalMessage {
  from: PeerId
  expiry: number
  nonce: Uint8Array
  inReplyTo?: Uint8Array
}

/** Our side of the seal: the X25519 form of our Ed25519 key. */
export interface SealKeys {
  peerId: PeerId
  secret: Uint8Array
  publicKey: Uint8Array
}

export function sealKeys(peerId: PeerId, privateKey: PrivateKey): SealKeys {
  if (privateKey.type !== 'Ed25519') {
    throw new UnsupportedRecipientError(
      `signalling needs an Ed25519 host key to receive, got ${privateKey.type}`,
    )
  }
  return {
    peerId,
    secret: montgomerySecret(privateKey.raw.subarray(0, 32)),
    publicKey: montgomeryPublicKey(privateKey.publicKey.raw),
  }
}

/** The X25519 key a message to `peerId` is sealed to; only Ed25519 peer ids carry one. */
export function recipientKey(peerId: PeerId): Uint8Array {
  if (peerId.type !== 'Ed25519' || peerId.publicKey == null) {
    throw new UnsupportedRecipientError(
      `can only seal to Ed25519 peer ids, ${peerId.toString()} is ${peerId.type}`,
    )
  }
  return montgomeryPublicKey(peerId.publicKey.raw)
}

export interface CreateOptions {
  from: PeerId
  privateKey: PrivateKey
  to: PeerId
  message: SignalMessage
  expiry: number
  nonce?: Uint8Array
  inReplyTo?: Uint8Array
}

export function randomNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_LENGTH))
}

export function createSignal(options: CreateOptions): { bytes: Uint8Array; nonce: Uint8Array } {
  const nonce = options.nonce ?? randomNonce()
  const body: Body = {
    from: options.from.toMultihash().bytes,
    to: options.to.toMultihash().bytes,
    type: options.message.type,
    payload: options.message.payload,
    expiry: options.expiry,
    nonce,
  }
  if (options.inReplyTo != null) body.inReplyTo = options.inReplyTo
  const bodyBytes = encodeBody(body)
  const signature = options.privateKey.sign(concatBytes([SIGNATURE_DOMAIN, bodyBytes]))
  if (signature instanceof Promise) throw new TypeError('signalling needs a key that signs synchronously')
  const signed = encodeSigned({
    body: bodyBytes,
    publicKey: publicKeyToProtobuf(options.privateKey.publicKey),
    signature,
  })
  return { bytes: encodeSealed(seal(signed, recipientKey(options.to))), nonce }
}

export interface OpenOptions {
  keys: SealKeys
  now: number
  maxSize: number
  /** the latest expiry accepted, as a distance from now (ms) */
  maxTtl: number
  clockSkew: number
}

export function openSignal(bytes: Uint8Array, options: OpenOptions): OpenedSignal {
  if (bytes.byteLength > options.maxSize) throw new SignalTooLargeError(bytes.byteLength, options.maxSize)
  const sealed = decodeSealed(bytes)
  const signed = decodeSigned(unseal(sealed, options.keys.secret, options.keys.publicKey))
  const body = decodeBody(signed.body)
  if (!equalBytes(body.to, options.keys.peerId.toMultihash().bytes)) {
    throw new InvalidSignalError('the message is addressed to another peer')
  }
  let from: PeerId
  try {
    from = peerIdFromBytes(body.from)
  } catch (err) {
    throw new InvalidSignalError(`the sender is not a peer id: ${(err as Error).message}`)
  }
  let key: ReturnType<typeof publicKeyFromProtobuf>
  try {
    key = publicKeyFromProtobuf(signed.publicKey)
  } catch (err) {
    throw new InvalidSignatureError(`the sender's public key does not decode: ${(err as Error).message}`)
  }
  if (!peerIdFromPublicKey(key).equals(from)) {
    throw new InvalidSignatureError(`the signing key is not ${from.toString()}'s`)
  }
  const valid = key.verify(concatBytes([SIGNATURE_DOMAIN, signed.body]), signed.signature)
  if (valid !== true)
    throw new InvalidSignatureError(`the signature of ${from.toString()}'s message does not verify`)
  checkExpiry(body.expiry, options.now, options.maxTtl, options.clockSkew)
  const opened: OpenedSignal = {
    from,
    type: body.type,
    payload: body.payload,
    expiry: body.expiry,
    nonce: body.nonce,
  }
  if (body.inReplyTo != null) opened.inReplyTo = body.inReplyTo
  return opened
}

/** An expiry is accepted from `now - clockSkew` to `now + maxTtl + clockSkew`. */
export function checkExpiry(expiry: number, now: number, maxTtl: number, clockSkew: number): void {
  if (expiry < now - clockSkew) {
    throw new ExpiredSignalError(
      `the message expired at ${new Date(expiry).toISOString()} (now ${new Date(now).toISOString()})`,
    )
  }
  if (expiry > now + maxTtl + clockSkew) {
    throw new ExpiredSignalError(
      `the message expires at ${new Date(expiry).toISOString()}, beyond the ${maxTtl} ms window`,
    )
  }
}
