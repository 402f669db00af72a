/**
 * TLS 1.3 handshake messages (RFC 8446 §4) as QUIC carries them: in CRYPTO
 * frames, without the record layer (RFC 9001 §4). Each message is
 * `type(1) length(3) body`. Decoding is total: a message or a CryptoError
 * with the decode_error alert.
 */
import { ByteReader } from '../byte-reader.js'
import { ByteWriter } from '../byte-writer.js'
import { CryptoError, TlsAlert } from '../errors.js'

export const HandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  CERTIFICATE_REQUEST: 13,
  CERTIFICATE_VERIFY: 15,
  FINISHED: 20,
  KEY_UPDATE: 24,
} as const

/** RFC 8446 §4.1.3: the ServerHello random that marks a HelloRetryRequest. */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
)

export const TLS_1_2 = 0x0303
export const TLS_1_3 = 0x0304

export interface Extension {
  type: number
  data: Uint8Array
}

export interface ClientHello {
  random: Uint8Array
  sessionId: Uint8Array
  cipherSuites: number[]
  compressionMethods: Uint8Array
  extensions: Extension[]
}

export interface ServerHello {
  random: Uint8Array
  sessionId: Uint8Array
  cipherSuite: number
  compressionMethod: number
  extensions: Extension[]
}

export interface CertificateMessage {
  context: Uint8Array
  entries: Array<{ certificate: Uint8Array; extensions: Extension[] }>
}

export interface CertificateRequest {
  context: Uint8Array
  extensions: Extension[]
}

export interface CertificateVerify {
  scheme: number
  signature: Uint8Array
}

export function decodeError(message: string): CryptoError {
  return new CryptoError(TlsAlert.DECODE_ERROR, message)
}

export function tlsReader(bytes: Uint8Array): ByteReader {
  return new ByteReader(bytes, decodeError)
}

/** `type(1) length(3) body` */
export function frameMessage(type: number, body: Uint8Array): Uint8Array {
  return new ByteWriter(body.length + 4)
    .uint8(type)
    .prefixed(3, (w) => w.bytes(body))
    .finish()
}

/** Extension blocks: a list with at most one of each type (RFC 8446 §4.2). */
export function readExtensions(reader: ByteReader): Extension[] {
  const list = reader.sub(reader.uint16('the extensions length'), 'the extensions')
  const extensions: Extension[] = []
  const seen = new Set<number>()
  while (!list.done) {
    const type = list.uint16('an extension type')
    if (seen.has(type)) throw new CryptoError(TlsAlert.ILLEGAL_PARAMETER, `extension ${type} appears twice`)
    seen.add(type)
    extensions.push({ type, data: list.bytesView(list.uint16('an extension length'), 'an extension') })
  }
  return extensions
}

export function writeExtensions(writer: ByteWriter, extensions: readonly Extension[]): void {
  writer.prefixed(2, (w) => {
    for (const extension of extensions) w.uint16(extension.type).prefixed(2, (v) => v.bytes(extension.data))
  })
}

export function encodeClientHello(hello: ClientHello): Uint8Array {
  const writer = new ByteWriter(512)
  writer.uint16(TLS_1_2).bytes(hello.random)
  writer.prefixed(1, (w) => w.bytes(hello.sessionId))
  writer.prefixed(2, (w) => {
    for (const suite of hello.cipherSuites) w.uint16(suite)
  })
  writer.prefixed(1, (w) => w.bytes(hello.compressionMethods))
  writeExtensions(writer, hello.extensions)
  return frameMessage(HandshakeType.CLIENT_HELLO, writer.finish())
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const reader = tlsReader(body)
  const version = reader.uint16('legacy_version')
  if (version !== TLS_1_2)
    throw new CryptoError(TlsAlert.PROTOCOL_VERSION, `ClientHello legacy_version 0x${version.toString(16)}`)
  const random = reader.bytesCopy(32, 'the random')
  const sessionId = reader.bytesCopy(reader.uint8('the session id length'), 'the session id')
  if (sessionId.length > 32) reader.fail('a session id over 32 bytes')
  const suites = reader.sub(reader.uint16('the cipher suites length'), 'the cipher suites')
  if (suites.remaining === 0 || suites.remaining % 2 !== 0) reader.fail('a malformed cipher suite list')
  const cipherSuites: number[] = []
  while (!suites.done) cipherSuites.push(suites.uint16())
  const compressionMethods = reader.bytesCopy(
    reader.uint8('the compression methods length'),
    'the compression methods',
  )
  const extensions = readExtensions(reader)
  reader.expectEnd('the ClientHello')
  return { random, sessionId, cipherSuites, compressionMethods, extensions }
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
  const writer = new ByteWriter(128)
  writer.uint16(TLS_1_2).bytes(hello.random)
  writer.prefixed(1, (w) => w.bytes(hello.sessionId))
  writer.uint16(hello.cipherSuite).uint8(hello.compressionMethod)
  writeExtensions(writer, hello.extensions)
  return frameMessage(HandshakeType.SERVER_HELLO, writer.finish())
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const reader = tlsReader(body)
  const version = reader.uint16('legacy_version')
  if (version !== TLS_1_2)
    throw new CryptoError(TlsAlert.PROTOCOL_VERSION, `ServerHello legacy_version 0x${version.toString(16)}`)
  const random = reader.bytesCopy(32, 'the random')
  const sessionId = reader.bytesCopy(reader.uint8('the session id length'), 'the session id')
  const cipherSuite = reader.uint16('the cipher suite')
  const compressionMethod = reader.uint8('the compression method')
  const extensions = readExtensions(reader)
  reader.expectEnd('the ServerHello')
  return { random, sessionId, cipherSuite, compressionMethod, extensions }
}

export function encodeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  const writer = new ByteWriter(128)
  writeExtensions(writer, extensions)
  return frameMessage(HandshakeType.ENCRYPTED_EXTENSIONS, writer.finish())
}

export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const reader = tlsReader(body)
  const extensions = readExtensions(reader)
  reader.expectEnd('the EncryptedExtensions')
  return extensions
}

export function encodeCertificateRequest(request: CertificateRequest): Uint8Array {
  const writer = new ByteWriter(64)
  writer.prefixed(1, (w) => w.bytes(request.context))
  writeExtensions(writer, request.extensions)
  return frameMessage(HandshakeType.CERTIFICATE_REQUEST, writer.finish())
}

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const reader = tlsReader(body)
  const context = reader.bytesCopy(reader.uint8('the context length'), 'the request context')
  const extensions = readExtensions(reader)
  reader.expectEnd('the CertificateRequest')
  return { context, extensions }
}

export function encodeCertificate(message: CertificateMessage): Uint8Array {
  const writer = new ByteWriter(1024)
  writer.prefixed(1, (w) => w.bytes(message.context))
  writer.prefixed(3, (w) => {
    for (const entry of message.entries) {
      w.prefixed(3, (v) => v.bytes(entry.certificate))
      writeExtensions(w, entry.extensions)
    }
  })
  return frameMessage(HandshakeType.CERTIFICATE, writer.finish())
}

/** At most this many certificates are read from a chain (libp2p sends exactly one). */
export const MAX_CHAIN_LENGTH = 8

export function decodeCertificate(body: Uint8Array): CertificateMessage {
  const reader = tlsReader(body)
  const context = reader.bytesCopy(reader.uint8('the context length'), 'the request context')
  const list = reader.sub(reader.uint24('the certificate list length'), 'the certificate list')
  const entries: CertificateMessage['entries'] = []
  while (!list.done) {
    if (entries.length === MAX_CHAIN_LENGTH) list.fail(`more than ${MAX_CHAIN_LENGTH} certificates`)
    const length = list.uint24('a certificate length')
    if (length === 0) list.fail('an empty certificate')
    const certificate = list.bytesCopy(length, 'a certificate')
    entries.push({ certificate, extensions: readExtensions(list) })
  }
  reader.expectEnd('the Certificate')
  return { context, entries }
}

export function encodeCertificateVerify(verify: CertificateVerify): Uint8Array {
  const writer = new ByteWriter(128)
  writer.uint16(verify.scheme).prefixed(2, (w) => w.bytes(verify.signature))
  return frameMessage(HandshakeType.CERTIFICATE_VERIFY, writer.finish())
}

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const reader = tlsReader(body)
  const scheme = reader.uint16('the signature scheme')
  const signature = reader.bytesCopy(reader.uint16('the signature length'), 'the signature')
  reader.expectEnd('the CertificateVerify')
  return { scheme, signature }
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return frameMessage(HandshakeType.FINISHED, verifyData)
}

/** Throws unexpected_message unless the message is of the type the state waits for. */
export function expectType(type: number, expected: number, name: string): void {
  if (type !== expected) {
    throw new CryptoError(TlsAlert.UNEXPECTED_MESSAGE, `expected ${name} (${expected}), got message ${type}`)
  }
}
