/**
 * Payloads are JSON data, sent as UTF-8 JSON. JSON rather than a binary codec:
 * every runtime reads it, a person reads it on the wire, and a beginner's
 * data (objects of strings and numbers) costs little more than CBOR. The
 * check below is strict where `JSON.stringify` is lax: it refuses what
 * stringify would drop or mangle (`undefined`, functions, NaN, Dates, Maps,
 * class instances, cycles) instead of sending something else than was given.
 */
import { PayloadNotSerialisableError, PayloadTooLargeError } from './errors.js'

/** JSON data: what `send`, `state.set` and the handlers of `on` carry. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Nesting deeper than this is refused (a guard against cycles and stack exhaustion on decode). */
export const MAX_DEPTH = 64

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Throws `PayloadNotSerialisableError` unless `value` is JSON data. */
export function assertJson(value: unknown, path = 'payload', depth = 0): asserts value is Json {
  if (depth > MAX_DEPTH)
    throw new PayloadNotSerialisableError(path, `nesting deeper than ${MAX_DEPTH} (a cycle?)`)
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PayloadNotSerialisableError(path, String(value))
    return
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertJson(value[i], `${path}[${i}]`, depth + 1)
    return
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      throw new PayloadNotSerialisableError(path, `an instance of ${value.constructor?.name ?? 'a class'}`)
    }
    for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`, depth + 1)
    return
  }
  throw new PayloadNotSerialisableError(path, typeof value)
}

/** `value` as UTF-8 JSON, checked and at most `limit` bytes. */
export function encodeJson(value: unknown, limit: number): Uint8Array {
  assertJson(value)
  const bytes = encoder.encode(JSON.stringify(value))
  if (bytes.byteLength > limit) throw new PayloadTooLargeError(bytes.byteLength, limit)
  return bytes
}

/** The JSON data in `bytes`; throws on bad UTF-8, bad JSON or more than `limit` bytes. */
export function decodeJson(bytes: Uint8Array, limit: number): Json {
  if (bytes.byteLength > limit) throw new PayloadTooLargeError(bytes.byteLength, limit)
  return JSON.parse(decoder.decode(bytes)) as Json
}

/** One application message on the wire (direct stream or pubsub topic): `{"k": kind, "p": payload}`. */
export interface Envelope {
  kind: string
  payload: Json
}

/** At most this many UTF-8 bytes name a message kind. */
export const MAX_KIND_LENGTH = 64

export function assertKind(kind: unknown): asserts kind is string {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > MAX_KIND_LENGTH) {
    throw new TypeError(
      `a message kind is a string of 1 to ${MAX_KIND_LENGTH} characters; got ${JSON.stringify(kind)}`,
    )
  }
}

/** Envelope overhead allowed beyond the payload limit: `{"k":"…","p":}` with the longest kind, escaped. */
const ENVELOPE_OVERHEAD = 16 + MAX_KIND_LENGTH * 6

export function encodeEnvelope(kind: string, payload: unknown, maxPayloadBytes: number): Uint8Array {
  assertKind(kind)
  const body = encodeJson(payload, maxPayloadBytes)
  const head = encoder.encode(`{"k":${JSON.stringify(kind)},"p":`)
  const out = new Uint8Array(head.byteLength + body.byteLength + 1)
  out.set(head, 0)
  out.set(body, head.byteLength)
  out[out.byteLength - 1] = 0x7d // '}'
  return out
}

/** The envelope in `bytes`, or throws (too large, not JSON, wrong shape). */
export function decodeEnvelope(bytes: Uint8Array, maxPayloadBytes: number): Envelope {
  const value = decodeJson(bytes, maxPayloadBytes + ENVELOPE_OVERHEAD)
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !('k' in value) ||
    !('p' in value)
  ) {
    throw new TypeError('a message is {"k": kind, "p": payload}')
  }
  assertKind(value.k)
  return { kind: value.k, payload: value.p as Json }
}

/** The largest frame an envelope with a payload of `maxPayloadBytes` can take. */
export function maxEnvelopeBytes(maxPayloadBytes: number): number {
  return maxPayloadBytes + ENVELOPE_OVERHEAD
}
