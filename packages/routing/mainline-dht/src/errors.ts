/**
 * Errors of the Mainline DHT. Timeouts and aborts are @libp2p/interface's
 * classes, so code matching on `.name` works across weft and js-libp2p.
 */
export { AbortError, TimeoutError } from '@libp2p/interface'

/** Why bencoded bytes were refused. */
export type BencodeFault =
  | 'truncated'
  | 'trailing-bytes'
  | 'unexpected-byte'
  | 'bad-integer'
  | 'integer-too-large'
  | 'bad-length'
  | 'string-too-long'
  | 'too-deep'
  | 'too-many-items'
  | 'too-large'
  | 'duplicate-key'
  | 'key-not-string'
  | 'unencodable'

/** Bytes are not bencode within the decoder's bounds (or a value cannot be encoded). */
export class BencodeError extends Error {
  static override name = 'BencodeError'
  override name = 'BencodeError'
  constructor(
    readonly fault: BencodeFault,
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`)
  }
}

/** A bencoded message is not a well-formed KRPC message (BEP5 "KRPC Protocol"). */
export class InvalidKrpcMessageError extends Error {
  static override name = 'InvalidKrpcMessageError'
  override name = 'InvalidKrpcMessageError'
}

/** KRPC error codes (BEP5 201–204, BEP44 205–302). */
export const ErrorCode = {
  generic: 201,
  server: 202,
  protocol: 203,
  methodUnknown: 204,
  /** BEP44: v over 1 000 bytes. */
  messageTooBig: 205,
  invalidSignature: 206,
  /** BEP44: salt over 64 bytes. */
  saltTooBig: 207,
  /** BEP44: cas does not name the stored seq. */
  casMismatch: 301,
  /** BEP44: seq below (or equal to, with another value) the stored one. */
  seqTooLow: 302,
} as const

/**
 * A KRPC error: received from a remote node (`y: e`), or thrown by a query
 * handler to answer with one.
 */
export class KrpcError extends Error {
  static override name = 'KrpcError'
  override name = 'KrpcError'
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** A bound of the DHT was hit: in-flight queries, stored peers, lookup size. */
export class DHTLimitError extends Error {
  static override name = 'DHTLimitError'
  override name = 'DHTLimitError'
}

/** The DHT was stopped while an operation was under way (or was not started). */
export class DHTStoppedError extends Error {
  static override name = 'DHTStoppedError'
  override name = 'DHTStoppedError'
  constructor(message = 'the Mainline DHT is not running') {
    super(message)
  }
}
