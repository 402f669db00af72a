/**
 * Signed envelopes, libp2p RFC 0002 (RFC/0002-signed-envelopes.md).
 *
 * Wire format ("Wire Format"), proto3, fields in tag order, empty bytes omitted:
 *
 *     message Envelope {
 *       PublicKey public_key = 1;  // the peer-id spec's PublicKey message
 *       bytes payload_type = 2;    // multicodec-prefixed type hint
 *       bytes payload = 3;
 *       bytes signature = 5;
 *     }
 *
 * The signature ("Signature Production / Verification") covers
 * varint(len(domain)) || domain || varint(len(payload_type)) || payload_type
 * || varint(len(payload)) || payload, lengths as unsigned varints.
 */

import type { AbortOptions, Envelope, PrivateKey, PublicKey, Record } from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
import { encodeVarint, equalBytes, isInvalidProtobufError, ProtobufReader, ProtobufWriter } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { InvalidEnvelopeError, InvalidSignatureError, LimitExceededError } from './errors.js'

/** Largest envelope decoded by default. */
export const MAX_ENVELOPE_SIZE = 64 * 1024
/** Protobuf fields beyond this many mean the sender is padding, not informing. */
const MAX_ENVELOPE_FIELDS = 64

export interface EnvelopeInit {
  publicKey: PublicKey
  payloadType: Uint8Array
  payload: Uint8Array
  signature: Uint8Array
}

export interface DecodeOptions {
  /** Refuse envelopes larger than this many bytes (default {@link MAX_ENVELOPE_SIZE}). */
  maxSize?: number
}

export interface OpenOptions extends AbortOptions, DecodeOptions {}

export class RecordEnvelope implements Envelope {
  readonly publicKey: PublicKey
  readonly payloadType: Uint8Array
  readonly payload: Uint8Array
  readonly signature: Uint8Array
  #marshalled?: Uint8Array

  constructor(init: EnvelopeInit) {
    this.publicKey = init.publicKey
    this.payloadType = init.payloadType
    this.payload = init.payload
    this.signature = init.signature
  }

  /** Signs `record` with `privateKey` in the record's domain. */
  static async seal(record: Record, privateKey: PrivateKey, options?: AbortOptions): Promise<RecordEnvelope> {
    options?.signal?.throwIfAborted()
    const payloadType = record.codec
    const payload = record.marshal()
    const signature = await privateKey.sign(signedData(record.domain, payloadType, payload), options)
    return new RecordEnvelope({
      publicKey: privateKey.publicKey as PublicKey,
      payloadType,
      payload,
      signature,
    })
  }

  /** Decodes envelope bytes without checking the signature; see {@link openAndCertify}. */
  static createFromProtobuf(bytes: Uint8Array | Uint8ArrayList, options?: DecodeOptions): RecordEnvelope {
    const buf = bytes instanceof Uint8Array ? bytes : bytes.subarray()
    const maxSize = options?.maxSize ?? MAX_ENVELOPE_SIZE
    if (buf.byteLength > maxSize) throw new LimitExceededError('envelope bytes', maxSize, buf.byteLength)
    const fail = (reason: string) => new InvalidEnvelopeError(`malformed envelope: ${reason}`)
    let publicKeyBytes: Uint8Array | undefined
    let payloadType = new Uint8Array(0)
    let payload = new Uint8Array(0)
    let signature = new Uint8Array(0)
    let count = 0
    try {
      for (const field of new ProtobufReader(buf)) {
        if (++count > MAX_ENVELOPE_FIELDS) {
          throw new LimitExceededError('envelope fields', MAX_ENVELOPE_FIELDS, count)
        }
        if (field.field < 1 || field.field > 5 || field.field === 4) continue // unknown fields are skipped
        if (field.wireType !== 2)
          throw fail(`expected field ${field.field} to be length-delimited, got wire type ${field.wireType}`)
        // Copies, so the envelope does not pin the caller's (possibly large) buffer.
        if (field.field === 1) publicKeyBytes = field.value
        else if (field.field === 2) payloadType = field.value.slice()
        else if (field.field === 3) payload = field.value.slice()
        else signature = field.value.slice()
      }
    } catch (err) {
      if (isInvalidProtobufError(err)) throw fail(err.message)
      throw err
    }
    if (publicKeyBytes === undefined) throw fail('missing public_key (field 1)')
    let publicKey: PublicKey
    try {
      publicKey = publicKeyFromProtobuf(publicKeyBytes)
    } catch (err) {
      throw new InvalidEnvelopeError(`envelope public key is unusable: ${(err as Error).message}`, {
        cause: err,
      })
    }
    return new RecordEnvelope({ publicKey, payloadType, payload, signature })
  }

  /**
   * Decodes envelope bytes and checks the signature for `domain`; throws
   * `InvalidSignatureError` when it does not verify.
   */
  static async openAndCertify(
    bytes: Uint8Array | Uint8ArrayList,
    domain: string,
    options?: OpenOptions,
  ): Promise<RecordEnvelope> {
    const envelope = RecordEnvelope.createFromProtobuf(bytes, options)
    if (!(await envelope.validate(domain, options))) {
      throw new InvalidSignatureError(
        `envelope signature does not verify for domain ${JSON.stringify(domain)}`,
      )
    }
    return envelope
  }

  /** The deterministic protobuf encoding. */
  marshal(): Uint8Array {
    if (this.#marshalled === undefined) {
      const writer = new ProtobufWriter().bytes(1, publicKeyToProtobuf(this.publicKey))
      // proto3: empty bytes are left out
      if (this.payloadType.byteLength > 0) writer.bytes(2, this.payloadType)
      if (this.payload.byteLength > 0) writer.bytes(3, this.payload)
      if (this.signature.byteLength > 0) writer.bytes(5, this.signature)
      this.#marshalled = writer.finish()
    }
    return this.#marshalled
  }

  /** Whether the signature verifies under the enclosed public key for `domain`. */
  async validate(domain: string, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return this.publicKey.verify(signedData(domain, this.payloadType, this.payload), this.signature, options)
  }

  equals(other?: Envelope): boolean {
    if (other === undefined || other === null) return false
    return (
      this.publicKey.equals(other.publicKey) &&
      equalBytes(this.payloadType, bytesOf(other.payloadType)) &&
      equalBytes(this.payload, bytesOf(other.payload)) &&
      equalBytes(this.signature, bytesOf(other.signature))
    )
  }
}

/** The bytes an envelope signature covers (RFC 0002, "Signature Production / Verification"). */
export function signedData(domain: string, payloadType: Uint8Array, payload: Uint8Array): Uint8ArrayList {
  if (typeof domain !== 'string')
    throw new TypeError(`expected the signature domain as a string, got ${typeof domain}`)
  const domainBytes = new TextEncoder().encode(domain)
  return new Uint8ArrayList(
    encodeVarint(domainBytes.byteLength),
    domainBytes,
    encodeVarint(payloadType.byteLength),
    payloadType,
    encodeVarint(payload.byteLength),
    payload,
  )
}

function bytesOf(value: Uint8Array | Uint8ArrayList): Uint8Array {
  return value instanceof Uint8Array ? value : value.subarray()
}
