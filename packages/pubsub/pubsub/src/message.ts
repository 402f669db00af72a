/**
 * Pubsub messages: the shapes handed to applications (matching
 * @libp2p/gossipsub's `Message`), signing and the signature policies
 * (libp2p/specs pubsub/README.md "Message Signing" and "Signature Policy
 * Options"), and message ids.
 *
 * A signed message carries `from` (the author's peer id bytes), an 8-byte
 * big-endian `seqno`, and a `signature` over `"libp2p-pubsub:"` followed by
 * the protobuf of the message without its `signature` and `key` fields.
 */
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf, sha256 } from '@weft/crypto'
import { peerIdFromBytes, peerIdFromPublicKey } from '@weft/peer-id'
import { concatBytes, equalBytes } from '@weft/utils'
import type { ValidationFailure } from './errors.js'
import { RPC } from './rpc.pb.js'

export const StrictSign = 'StrictSign'
export const StrictNoSign = 'StrictNoSign'
/** StrictSign: sign ours, require valid signatures; StrictNoSign: no author fields at all. */
export type SignaturePolicy = typeof StrictSign | typeof StrictNoSign

export enum TopicValidatorResult {
  /** deliver and forward */
  Accept = 'accept',
  /** drop without penalty */
  Ignore = 'ignore',
  /** drop and penalise the sender */
  Reject = 'reject',
}

export interface SignedMessage {
  type: 'signed'
  from: PeerId
  topic: string
  data: Uint8Array
  sequenceNumber: bigint
  signature: Uint8Array
  key: PublicKey
}

export interface UnsignedMessage {
  type: 'unsigned'
  topic: string
  data: Uint8Array
}

export type Message = SignedMessage | UnsignedMessage

export type TopicValidatorFn = (
  peer: PeerId,
  message: Message,
) => TopicValidatorResult | Promise<TopicValidatorResult>

/** Computes the id that identifies a message in seen caches, IHAVE, IWANT and IDONTWANT. */
export type MsgIdFn = (message: Message) => Uint8Array

export const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/**
 * The default id (pubsub/README.md "Message Identification"): `from`
 * concatenated with `seqno` for signed messages; sha2-256 of the data for
 * unsigned ones.
 */
export function defaultMsgId(message: Message): Uint8Array {
  if (message.type === 'unsigned') return sha256(message.data)
  return concatBytes([message.from.toMultihash().bytes, seqnoBytes(message.sequenceNumber)])
}

/**
 * The id js-libp2p's gossipsub uses by default: the author's protobuf public
 * key concatenated with `seqno`. Pass it as `msgIdFn` in networks mixed with
 * js-libp2p so IHAVE/IWANT/IDONTWANT ids agree across the two stacks.
 */
export function publicKeyMsgId(message: Message): Uint8Array {
  if (message.type === 'unsigned') return sha256(message.data)
  return concatBytes([publicKeyToProtobuf(message.key), seqnoBytes(message.sequenceNumber)])
}

/** The generated codec types its bytes as `Uint8Array<ArrayBuffer>`; every Uint8Array we hand it qualifies. */
function wire(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

export function seqnoBytes(seqno: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, seqno), false)
  return out
}

interface HexBuffer {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'hex'): string }
}
/** Node's Buffer, when there is one: its native hex encoding is several times faster on every received copy */
const NodeBuffer = (globalThis as { Buffer?: HexBuffer }).Buffer

/** Lower-case hex, the map key for message ids. */
export function msgIdToString(id: Uint8Array): string {
  if (NodeBuffer != null) return NodeBuffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
  let out = ''
  for (let i = 0; i < id.byteLength; i++) out += HEX[id[i]]
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The bytes a signature covers: the prefix and the message without signature and key. */
export function signingBytes(raw: RPC.Message): Uint8Array {
  const body = RPC.Message.encode({ from: raw.from, data: raw.data, seqno: raw.seqno, topic: raw.topic })
  return concatBytes([SIGN_PREFIX, body])
}

/** Builds a wire message and its application view under `policy`. */
export async function buildMessage(
  policy: SignaturePolicy,
  privateKey: PrivateKey,
  author: PeerId,
  topic: string,
  data: Uint8Array,
  sequenceNumber: bigint,
): Promise<{ raw: RPC.Message; message: Message }> {
  if (policy === StrictNoSign) {
    return { raw: { topic, data: wire(data) }, message: { type: 'unsigned', topic, data } }
  }
  const raw: RPC.Message = {
    from: wire(author.toMultihash().bytes),
    data: wire(data),
    seqno: seqnoBytes(sequenceNumber),
    topic,
  }
  const signature = await privateKey.sign(signingBytes(raw))
  raw.signature = wire(signature)
  // the key is sent only when the peer id cannot carry it (RSA)
  if (author.publicKey == null) raw.key = wire(publicKeyToProtobuf(privateKey.publicKey))
  return {
    raw,
    message: {
      type: 'signed',
      from: author,
      topic,
      data,
      sequenceNumber,
      signature,
      key: privateKey.publicKey,
    },
  }
}

export type ValidationResult = { message: Message } | { failure: ValidationFailure }

interface Author {
  from: PeerId
  key: PublicKey
  /** the protobuf key bytes messages carried, when they carried one */
  keyBytes?: Uint8Array
}

/**
 * Authors' peer ids and public keys by their `from` bytes, so a key object
 * is parsed once per author rather than once per message. Bounded; the
 * oldest entry goes first.
 */
export class AuthorCache {
  private readonly entries = new Map<string, Author>()

  constructor(private readonly maxSize = 1024) {}

  get size(): number {
    return this.entries.size
  }

  get(from: Uint8Array): Author | undefined {
    return this.entries.get(msgIdToString(from))
  }

  has(from: Uint8Array): boolean {
    return this.entries.has(msgIdToString(from))
  }

  set(from: Uint8Array, value: Author): void {
    if (this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(msgIdToString(from), value)
  }
}

/**
 * Checks a received wire message against `policy` and, for signed messages,
 * its signature. Total: any malformed field yields a failure, never a throw.
 */
export async function validateMessage(
  policy: SignaturePolicy,
  raw: RPC.Message,
  authors?: AuthorCache,
): Promise<ValidationResult> {
  const parsed = parseMessage(policy, raw, authors)
  if ('failure' in parsed || parsed.message.type === 'unsigned') return parsed
  return (await verifySignature(raw, parsed.message)) ? parsed : { failure: 'invalid-signature' }
}

/**
 * Everything `validateMessage` checks except the signature: the fields the
 * policy requires or forbids, the author's peer id and key. Synchronous and
 * cheap (an author's key is parsed once while `authors` remembers it), so a
 * receiver can compute the message id and drop copies it has seen before
 * paying for a signature check. A signed result is only what the message
 * claims until `verifySignature` accepts it.
 */
export function parseMessage(
  policy: SignaturePolicy,
  raw: RPC.Message,
  authors?: AuthorCache,
): ValidationResult {
  const topic = raw.topic
  if (topic == null || topic === '') return { failure: 'missing-topic' }
  const data = raw.data ?? new Uint8Array(0)
  if (policy === StrictNoSign) {
    if (raw.signature != null) return { failure: 'signature-present' }
    if (raw.seqno != null) return { failure: 'seqno-present' }
    if (raw.key != null || raw.from != null) return { failure: 'from-present' }
    return { message: { type: 'unsigned', topic, data } }
  }
  if (raw.seqno == null) return { failure: 'missing-seqno' }
  // a 64-bit big-endian integer; js-libp2p's floodsub drops its leading zero
  // bytes (1 message in 256 has a shorter seqno), so 1…8 bytes are accepted
  if (raw.seqno.byteLength === 0 || raw.seqno.byteLength > 8) return { failure: 'invalid-seqno' }
  if (raw.signature == null) return { failure: 'missing-signature' }
  if (raw.from == null) return { failure: 'missing-from' }
  const author = authors?.get(raw.from)
  if (
    author != null &&
    (raw.key == null || (author.keyBytes != null && equalBytes(author.keyBytes, raw.key)))
  ) {
    return signedMessage(raw, topic, data, author.from, author.key)
  }
  let from: PeerId
  try {
    from = peerIdFromBytes(raw.from)
  } catch {
    return { failure: 'invalid-peer-id' }
  }
  // ids are computed from what the message claims: only the canonical encoding names its author
  if (!equalBytes(from.toMultihash().bytes, raw.from)) return { failure: 'invalid-peer-id' }
  let key: PublicKey | undefined
  if (raw.key != null) {
    try {
      key = publicKeyFromProtobuf(raw.key)
    } catch {
      return { failure: 'invalid-key' }
    }
    if (!peerIdFromPublicKey(key).equals(from)) return { failure: 'key-mismatch' }
    authors?.set(raw.from, { from, key, keyBytes: raw.key })
  } else {
    key = from.publicKey
    if (key == null) return { failure: 'invalid-key' }
    authors?.set(raw.from, { from, key })
  }
  return signedMessage(raw, topic, data, from, key)
}

function signedMessage(
  raw: RPC.Message,
  topic: string,
  data: Uint8Array,
  from: PeerId,
  key: PublicKey,
): ValidationResult {
  if (raw.signature == null || raw.seqno == null) return { failure: 'missing-signature' }
  let sequenceNumber = 0n
  for (const byte of raw.seqno) sequenceNumber = (sequenceNumber << 8n) | BigInt(byte)
  return {
    message: { type: 'signed', from, topic, data, sequenceNumber, signature: raw.signature, key },
  }
}

/** Whether the signature of a message `parseMessage` accepted is valid: the expensive step. */
export async function verifySignature(raw: RPC.Message, message: SignedMessage): Promise<boolean> {
  try {
    return await message.key.verify(signingBytes(raw), message.signature)
  } catch {
    return false
  }
}
