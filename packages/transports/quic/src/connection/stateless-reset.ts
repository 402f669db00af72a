/**
 * Stateless reset (RFC 9000 §10.3): a datagram that looks like a short-header
 * packet and ends with a 16-byte token only the issuer of a connection ID can
 * compute. Tokens are HMAC-SHA256(static key, connection ID) truncated to 16
 * bytes (§10.3.2), so an endpoint that lost a connection's state can still
 * produce the token of any ID it issued. Pure functions and a rate limiter;
 * the endpoint does the I/O.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const RESET_TOKEN_LENGTH = 16
/** §10.3: first byte, at least 4 unpredictable bytes, the token */
export const MIN_RESET_SIZE = 21
/** §10.3: resets up to this size stay shorter than what triggered them but look like real packets */
const TYPICAL_RESET_SIZE = 43
/** random extra bytes above the typical size, so resets do not all have one length */
const RESET_SIZE_SPREAD = 16

/** The token of connection ID `id` under the endpoint's `key` (§10.3.2). */
export function resetToken(key: Uint8Array, id: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(id).digest().subarray(0, RESET_TOKEN_LENGTH))
}

/** bytes of a connection ID that authenticate it as ours */
const ID_TAG_LENGTH = 4
/** draws of a fresh ID that may collide with one in use before we stop trying */
const MAX_ID_DRAWS = 8

function idTag(key: Uint8Array, prefix: Uint8Array): Buffer {
  // a label keeps tags apart from reset tokens under the same key
  return createHmac('sha256', key).update('connection id').update(prefix).digest().subarray(0, ID_TAG_LENGTH)
}

/**
 * A connection ID of `length` bytes that `key` recognizes: random bytes and
 * a MAC of them. Only such IDs are answered with a stateless reset, so
 * random traffic gets no answer; the MAC is keyed, so IDs stay unlinkable
 * for observers (§5.1). `isTaken` rejects an ID already in use (few random
 * bits: collisions are rare, not negligible); a few draws always find one.
 */
export function newConnectionId(
  key: Uint8Array,
  length: number,
  isTaken: (id: Uint8Array) => boolean = () => false,
): Uint8Array {
  for (let attempt = 0; ; attempt++) {
    const id = new Uint8Array(length)
    const prefix = randomBytes(length - ID_TAG_LENGTH)
    id.set(prefix)
    id.set(idTag(key, prefix), prefix.length)
    if (!isTaken(id) || attempt >= MAX_ID_DRAWS) return id
  }
}

/** Whether `id` was made by `newConnectionId` under `key`. */
export function isOwnConnectionId(key: Uint8Array, id: Uint8Array): boolean {
  if (id.length <= ID_TAG_LENGTH) return false
  const split = id.length - ID_TAG_LENGTH
  return timingSafeEqual(idTag(key, id.subarray(0, split)), id.subarray(split))
}

/** A fresh static key for one endpoint; it lives as long as the endpoint. */
export function newResetKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/**
 * The stateless reset answering a datagram of `triggerLength` bytes, or
 * undefined when none may be sent: §10.3.3 requires it to be shorter than its
 * trigger (a reset of ours bounced back is then never answered, no loop), and
 * it cannot be shorter than 21 bytes.
 */
export function encodeStatelessReset(token: Uint8Array, triggerLength: number): Uint8Array | undefined {
  if (token.length !== RESET_TOKEN_LENGTH) throw new RangeError('a stateless reset token is 16 bytes')
  const size = Math.min(triggerLength - 1, TYPICAL_RESET_SIZE + Math.floor(Math.random() * RESET_SIZE_SPREAD))
  if (size < MIN_RESET_SIZE) return undefined
  const reset = new Uint8Array(randomBytes(size))
  // a short header: form bit 0, fixed bit 1, the rest unpredictable
  reset[0] = ((reset[0] as number) & 0x3f) | 0x40
  reset.set(token, size - RESET_TOKEN_LENGTH)
  return reset
}

/** Whether `datagram` ends with `token` (compared in constant time). */
export function endsWithToken(datagram: Uint8Array, token: Uint8Array): boolean {
  if (datagram.length < MIN_RESET_SIZE || token.length !== RESET_TOKEN_LENGTH) return false
  return timingSafeEqual(datagram.subarray(datagram.length - RESET_TOKEN_LENGTH), token)
}

/** A token bucket: at most `rate` resets per second, `rate` at once (§10.3: resets cost the sender). */
export class ResetLimiter {
  private tokens: number
  private last: number

  constructor(
    readonly rate = 10,
    now = Date.now(),
  ) {
    this.tokens = rate
    this.last = now
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }
}
