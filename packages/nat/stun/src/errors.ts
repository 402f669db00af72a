/**
 * Errors of @weft/stun, matched on `.name`. Malformed bytes, a failed
 * checksum, a failed MESSAGE-INTEGRITY, a timeout, an error response and a
 * full transaction table are distinct conditions.
 */
export { AbortError } from '@weft/utils'

/** Bytes that are not a well-formed STUN message (RFC 8489 §5, §14). */
export class MalformedMessageError extends Error {
  static override name = 'MalformedMessageError'
  override name = 'MalformedMessageError'
}

/** FINGERPRINT present but its CRC-32 does not match the message (RFC 8489 §14.7). */
export class FingerprintMismatchError extends Error {
  static override name = 'FingerprintMismatchError'
  override name = 'FingerprintMismatchError'
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `FINGERPRINT 0x${actual.toString(16)} does not match the message (expected 0x${expected.toString(16)})`,
    )
  }
}

/** MESSAGE-INTEGRITY(-SHA256) missing or not matching the key (RFC 8489 §14.5, §14.6). */
export class IntegrityError extends Error {
  static override name = 'IntegrityError'
  override name = 'IntegrityError'
}

/** No response within the retransmission schedule (RFC 8489 §6.2.1) or the TCP timeout Ti. */
export class TransactionTimeoutError extends Error {
  static override name = 'TransactionTimeoutError'
  override name = 'TransactionTimeoutError'
  constructor(
    readonly server: string,
    readonly waited: number,
  ) {
    super(`no STUN response from ${server} within ${waited} ms`)
  }
}

/** The server answered with an error response (ERROR-CODE, RFC 8489 §14.8). */
export class ErrorResponseError extends Error {
  static override name = 'ErrorResponseError'
  override name = 'ErrorResponseError'
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`STUN error response ${code} ${reason}`)
  }
}

/** More transactions in flight than `maxPendingTransactions`. */
export class TooManyTransactionsError extends Error {
  static override name = 'TooManyTransactionsError'
  override name = 'TooManyTransactionsError'
  constructor(readonly limit: number) {
    super(`already ${limit} STUN transactions in flight`)
  }
}

/** The client was closed while a transaction was in flight. */
export class ClientClosedError extends Error {
  static override name = 'ClientClosedError'
  override name = 'ClientClosedError'
  constructor(message = 'the STUN client was closed') {
    super(message)
  }
}

/** The server's Binding response has no OTHER-ADDRESS: it cannot run RFC 5780 discovery. */
export class MissingOtherAddressError extends Error {
  static override name = 'MissingOtherAddressError'
  override name = 'MissingOtherAddressError'
  constructor(readonly server: string) {
    super(`${server} sent no OTHER-ADDRESS: it does not support RFC 5780 behaviour discovery`)
  }
}
