/**
 * WebSocket close codes (RFC 6455 section 7.4) and what weft makes of them.
 *
 * A connection closed with 1000 (normal), 1001 (going away, as a listener
 * that shuts down sends) or 1005 (a close frame without a code) ended
 * cleanly, like a TCP FIN. Any other code, or 1006 (the TCP connection went
 * without a close frame), is a reset: the connection's `'close'` event carries
 * a `StreamResetError` naming the code.
 *
 * Browsers may send only 1000 and 3000–4999 (WHATWG WebSockets, `close()`
 * step 1), so weft's own error code lives in the private-use range.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { MessageTooLargeError } from '@weft/utils'

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  /** weft: the connection was aborted locally (the WebSocket form of a TCP reset) */
  ABORTED: 4000,
  /** weft: the connection was idle for too long */
  IDLE_TIMEOUT: 4001,
} as const

const NAMES: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status code',
  1006: 'abnormal closure, no close frame',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
  1015: 'TLS handshake failure',
  4000: 'aborted',
  4001: 'idle timeout',
}

/** true when a connection closed with `code` ended cleanly rather than by a reset */
export function isCleanClose(code: number): boolean {
  return code === CloseCode.NORMAL || code === CloseCode.GOING_AWAY || code === CloseCode.NO_STATUS
}

/** `1009 (message too big)`; `4123` for codes without a name */
export function describeCloseCode(code: number): string {
  const name = NAMES[code]
  return name == null ? String(code) : `${code} (${name})`
}

/** The code that tells the remote why we abort with `err`. */
export function closeCodeFor(err: Error): number {
  if (err.name === MessageTooLargeError.name) return CloseCode.MESSAGE_TOO_BIG
  if (err.name === InvalidMessageError.name) return CloseCode.UNSUPPORTED_DATA
  return CloseCode.ABORTED
}

/** The code a browser may send in place of `code` (only 1000 and 3000–4999 are allowed there). */
export function browserCloseCode(code: number): number {
  if (code === CloseCode.NORMAL || (code >= 3000 && code <= 4999)) return code
  return CloseCode.ABORTED
}

const MAX_REASON_BYTES = 123

/**
 * A close reason that fits the frame: at most 123 bytes of UTF-8 (RFC 6455
 * section 5.5: a control frame carries at most 125 bytes, two are the code).
 */
export function closeReason(text: string): string {
  const encoder = new TextEncoder()
  if (encoder.encode(text).byteLength <= MAX_REASON_BYTES) return text
  let out = ''
  let bytes = 0
  for (const char of text) {
    const size = encoder.encode(char).byteLength
    if (bytes + size > MAX_REASON_BYTES) break
    out += char
    bytes += size
  }
  return out
}
