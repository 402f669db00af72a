/**
 * The TLS extensions QUIC-TLS needs (RFC 8446 §4.2, RFC 7301 ALPN, RFC 9001
 * §8.2 quic_transport_parameters): their code points and payload codecs.
 * Decoders throw CryptoError(decode_error) on malformed payloads.
 */
import { ByteWriter } from '../byte-writer.js'
import { type Extension, tlsReader } from './handshake-message.js'

export const ExtensionType = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SUPPORTED_VERSIONS: 43,
  COOKIE: 44,
  KEY_SHARE: 51,
  QUIC_TRANSPORT_PARAMETERS: 0x39,
} as const

export const NamedGroup = { X25519: 0x001d } as const

export interface KeyShareEntry {
  group: number
  keyExchange: Uint8Array
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  return extensions.find((extension) => extension.type === type)?.data
}

function uint16List(values: readonly number[], prefix: 1 | 2): Uint8Array {
  return new ByteWriter(2 + values.length * 2)
    .prefixed(prefix, (w) => {
      for (const value of values) w.uint16(value)
    })
    .finish()
}

function readUint16List(data: Uint8Array, prefix: 1 | 2, what: string): number[] {
  const reader = tlsReader(data)
  const length = prefix === 1 ? reader.uint8(what) : reader.uint16(what)
  const list = reader.sub(length, what)
  reader.expectEnd(what)
  if (list.remaining === 0 || list.remaining % 2 !== 0) list.fail(`a malformed ${what}`)
  const values: number[] = []
  while (!list.done) values.push(list.uint16())
  return values
}

export const supportedVersions = {
  client: (versions: readonly number[]): Extension => ({
    type: ExtensionType.SUPPORTED_VERSIONS,
    data: uint16List(versions, 1),
  }),
  decodeClient: (data: Uint8Array): number[] => readUint16List(data, 1, 'supported_versions'),
  server: (version: number): Extension => ({
    type: ExtensionType.SUPPORTED_VERSIONS,
    data: new ByteWriter(2).uint16(version).finish(),
  }),
  decodeServer: (data: Uint8Array): number => {
    const reader = tlsReader(data)
    const version = reader.uint16('the selected version')
    reader.expectEnd('supported_versions')
    return version
  },
}

export const supportedGroups = {
  encode: (groups: readonly number[]): Extension => ({
    type: ExtensionType.SUPPORTED_GROUPS,
    data: uint16List(groups, 2),
  }),
  decode: (data: Uint8Array): number[] => readUint16List(data, 2, 'supported_groups'),
}

export const signatureAlgorithms = {
  encode: (schemes: readonly number[]): Extension => ({
    type: ExtensionType.SIGNATURE_ALGORITHMS,
    data: uint16List(schemes, 2),
  }),
  decode: (data: Uint8Array): number[] => readUint16List(data, 2, 'signature_algorithms'),
}

export const keyShare = {
  client: (entries: readonly KeyShareEntry[]): Extension => ({
    type: ExtensionType.KEY_SHARE,
    data: new ByteWriter(64)
      .prefixed(2, (w) => {
        for (const entry of entries) w.uint16(entry.group).prefixed(2, (v) => v.bytes(entry.keyExchange))
      })
      .finish(),
  }),
  decodeClient: (data: Uint8Array): KeyShareEntry[] => {
    const reader = tlsReader(data)
    const list = reader.sub(reader.uint16('the client shares length'), 'the client shares')
    reader.expectEnd('key_share')
    const entries: KeyShareEntry[] = []
    while (!list.done) {
      const group = list.uint16('a group')
      const length = list.uint16('a key exchange length')
      if (length === 0) list.fail('an empty key exchange')
      entries.push({ group, keyExchange: list.bytesCopy(length, 'a key exchange') })
    }
    return entries
  },
  server: (entry: KeyShareEntry): Extension => ({
    type: ExtensionType.KEY_SHARE,
    data: new ByteWriter(40)
      .uint16(entry.group)
      .prefixed(2, (w) => w.bytes(entry.keyExchange))
      .finish(),
  }),
  decodeServer: (data: Uint8Array): KeyShareEntry => {
    const reader = tlsReader(data)
    const group = reader.uint16('the group')
    const keyExchange = reader.bytesCopy(reader.uint16('the key exchange length'), 'the key exchange')
    reader.expectEnd('key_share')
    return { group, keyExchange }
  },
}

export const alpn = {
  encode: (protocols: readonly string[]): Extension => ({
    type: ExtensionType.ALPN,
    data: new ByteWriter(32)
      .prefixed(2, (w) => {
        for (const protocol of protocols) {
          const bytes = new TextEncoder().encode(protocol)
          if (bytes.length === 0 || bytes.length > 255) throw new RangeError(`ALPN protocol "${protocol}"`)
          w.uint8(bytes.length).bytes(bytes)
        }
      })
      .finish(),
  }),
  decode: (data: Uint8Array): string[] => {
    const reader = tlsReader(data)
    const list = reader.sub(reader.uint16('the protocol list length'), 'the protocol list')
    reader.expectEnd('application_layer_protocol_negotiation')
    const protocols: string[] = []
    while (!list.done) {
      const length = list.uint8('a protocol name length')
      if (length === 0) list.fail('an empty protocol name')
      protocols.push(new TextDecoder().decode(list.bytesView(length, 'a protocol name')))
    }
    if (protocols.length === 0) reader.fail('an empty ALPN list')
    return protocols
  },
}

export function transportParametersExtension(encoded: Uint8Array): Extension {
  return { type: ExtensionType.QUIC_TRANSPORT_PARAMETERS, data: encoded }
}
