/**
 * Errors of @weft/quic, matched on `.name`. A connection error carries the
 * QUIC transport error code (RFC 9000 §20.1) it closes the connection with;
 * a packet that cannot be read or opened is a different condition: it is
 * dropped (RFC 9000 §12.2, RFC 9001 §5.5) and the connection goes on.
 */

/** RFC 9000 §20.1 transport error codes. */
export const TransportErrorCode = {
  NO_ERROR: 0x00,
  INTERNAL_ERROR: 0x01,
  CONNECTION_REFUSED: 0x02,
  FLOW_CONTROL_ERROR: 0x03,
  STREAM_LIMIT_ERROR: 0x04,
  STREAM_STATE_ERROR: 0x05,
  FINAL_SIZE_ERROR: 0x06,
  FRAME_ENCODING_ERROR: 0x07,
  TRANSPORT_PARAMETER_ERROR: 0x08,
  CONNECTION_ID_LIMIT_ERROR: 0x09,
  PROTOCOL_VIOLATION: 0x0a,
  INVALID_TOKEN: 0x0b,
  APPLICATION_ERROR: 0x0c,
  CRYPTO_BUFFER_EXCEEDED: 0x0d,
  KEY_UPDATE_ERROR: 0x0e,
  AEAD_LIMIT_REACHED: 0x0f,
  NO_VIABLE_PATH: 0x10,
  /** CRYPTO_ERROR is 0x0100 + the TLS alert (RFC 9001 §4.8) */
  CRYPTO_ERROR: 0x0100,
} as const

/** A connection error: the connection closes with `code` (RFC 9000 §11.1). */
export class QuicTransportError extends Error {
  static override name = 'QuicTransportError'
  override name = 'QuicTransportError'

  constructor(
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A frame that breaks its own format (RFC 9000 §12.4, §19): FRAME_ENCODING_ERROR. */
export class FrameEncodingError extends QuicTransportError {
  static override name = 'FrameEncodingError'
  override name = 'FrameEncodingError'

  constructor(message: string, options?: ErrorOptions) {
    super(TransportErrorCode.FRAME_ENCODING_ERROR, message, options)
  }
}

/** Transport parameters that are malformed or invalid (RFC 9000 §7.4, §18.2). */
export class TransportParameterError extends QuicTransportError {
  static override name = 'TransportParameterError'
  override name = 'TransportParameterError'

  constructor(message: string, options?: ErrorOptions) {
    super(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, message, options)
  }
}

/** Well-formed input the protocol forbids here (RFC 9000 §12.4 frame permissions, …). */
export class ProtocolViolationError extends QuicTransportError {
  static override name = 'ProtocolViolationError'
  override name = 'ProtocolViolationError'

  constructor(message: string, options?: ErrorOptions) {
    super(TransportErrorCode.PROTOCOL_VIOLATION, message, options)
  }
}

/** RFC 8446 §6 alert descriptions the handshake sends. */
export const TlsAlert = {
  UNEXPECTED_MESSAGE: 10,
  HANDSHAKE_FAILURE: 40,
  BAD_CERTIFICATE: 42,
  ILLEGAL_PARAMETER: 47,
  DECODE_ERROR: 50,
  DECRYPT_ERROR: 51,
  PROTOCOL_VERSION: 70,
  INTERNAL_ERROR: 80,
  MISSING_EXTENSION: 109,
  UNSUPPORTED_EXTENSION: 110,
  CERTIFICATE_REQUIRED: 116,
  NO_APPLICATION_PROTOCOL: 120,
} as const

/** The TLS handshake failed with `alert`; QUIC closes with CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8). */
export class CryptoError extends QuicTransportError {
  static override name = 'CryptoError'
  override name = 'CryptoError'

  constructor(
    readonly alert: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(TransportErrorCode.CRYPTO_ERROR + alert, message, options)
  }
}

/** A datagram or packet that cannot be parsed: dropped, not a connection error (RFC 9000 §5.2, §12.2). */
export class MalformedPacketError extends Error {
  static override name = 'MalformedPacketError'
  override name = 'MalformedPacketError'
}

/** Header protection or AEAD removal failed: the packet is dropped (RFC 9001 §5.5). */
export class DecryptionError extends Error {
  static override name = 'DecryptionError'
  override name = 'DecryptionError'
}

/** The connection ended: closed by either side, timed out, or failed; `code` is the QUIC error code when one was sent. */
export class ConnectionClosedError extends Error {
  static override name = 'ConnectionClosedError'
  override name = 'ConnectionClosedError'
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message)
  }
}
