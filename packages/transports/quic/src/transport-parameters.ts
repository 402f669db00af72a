/**
 * QUIC transport parameters (RFC 9000 §18): a sequence of (id varint,
 * length varint, value) carried in the TLS quic_transport_parameters
 * extension (RFC 9001 §8.2). Decoding is total and validates §18.2: it
 * returns parameters or throws TransportParameterError.
 */
import { ByteReader } from './byte-reader.js'
import { ByteWriter } from './byte-writer.js'
import { TransportParameterError } from './errors.js'
import { MAX_STREAMS_LIMIT } from './frame.js'
import { MAX_CONNECTION_ID_LENGTH } from './packet-header.js'

export interface PreferredAddress {
  ipv4Address: Uint8Array
  ipv4Port: number
  ipv6Address: Uint8Array
  ipv6Port: number
  connectionId: Uint8Array
  statelessResetToken: Uint8Array
}

export interface TransportParameters {
  originalDestinationConnectionId?: Uint8Array
  /** ms; 0 or absent: no idle timeout */
  maxIdleTimeout: number
  statelessResetToken?: Uint8Array
  maxUdpPayloadSize: number
  initialMaxData: number
  initialMaxStreamDataBidiLocal: number
  initialMaxStreamDataBidiRemote: number
  initialMaxStreamDataUni: number
  initialMaxStreamsBidi: number
  initialMaxStreamsUni: number
  ackDelayExponent: number
  /** ms */
  maxAckDelay: number
  disableActiveMigration: boolean
  preferredAddress?: PreferredAddress
  activeConnectionIdLimit: number
  initialSourceConnectionId?: Uint8Array
  retrySourceConnectionId?: Uint8Array
}

/** The values a peer assumes for parameters that are absent (RFC 9000 §18.2). */
export const DEFAULT_TRANSPORT_PARAMETERS: Readonly<TransportParameters> = Object.freeze({
  maxIdleTimeout: 0,
  maxUdpPayloadSize: 65527,
  initialMaxData: 0,
  initialMaxStreamDataBidiLocal: 0,
  initialMaxStreamDataBidiRemote: 0,
  initialMaxStreamDataUni: 0,
  initialMaxStreamsBidi: 0,
  initialMaxStreamsUni: 0,
  ackDelayExponent: 3,
  maxAckDelay: 25,
  disableActiveMigration: false,
  activeConnectionIdLimit: 2,
})

const Id = {
  originalDestinationConnectionId: 0x00,
  maxIdleTimeout: 0x01,
  statelessResetToken: 0x02,
  maxUdpPayloadSize: 0x03,
  initialMaxData: 0x04,
  initialMaxStreamDataBidiLocal: 0x05,
  initialMaxStreamDataBidiRemote: 0x06,
  initialMaxStreamDataUni: 0x07,
  initialMaxStreamsBidi: 0x08,
  initialMaxStreamsUni: 0x09,
  ackDelayExponent: 0x0a,
  maxAckDelay: 0x0b,
  disableActiveMigration: 0x0c,
  preferredAddress: 0x0d,
  activeConnectionIdLimit: 0x0e,
  initialSourceConnectionId: 0x0f,
  retrySourceConnectionId: 0x10,
} as const

type IntegerName =
  | 'maxIdleTimeout'
  | 'maxUdpPayloadSize'
  | 'initialMaxData'
  | 'initialMaxStreamDataBidiLocal'
  | 'initialMaxStreamDataBidiRemote'
  | 'initialMaxStreamDataUni'
  | 'initialMaxStreamsBidi'
  | 'initialMaxStreamsUni'
  | 'ackDelayExponent'
  | 'maxAckDelay'
  | 'activeConnectionIdLimit'

const INTEGERS: readonly IntegerName[] = [
  'maxIdleTimeout',
  'maxUdpPayloadSize',
  'initialMaxData',
  'initialMaxStreamDataBidiLocal',
  'initialMaxStreamDataBidiRemote',
  'initialMaxStreamDataUni',
  'initialMaxStreamsBidi',
  'initialMaxStreamsUni',
  'ackDelayExponent',
  'maxAckDelay',
  'activeConnectionIdLimit',
]

/** Parameters only a server may send (RFC 9000 §18.2). */
const SERVER_ONLY = new Set<number>([
  Id.originalDestinationConnectionId,
  Id.statelessResetToken,
  Id.preferredAddress,
  Id.retrySourceConnectionId,
])

/** More parameters than this (GREASE included) is not a real peer. */
export const MAX_TRANSPORT_PARAMETERS = 64

function parameterError(message: string): Error {
  return new TransportParameterError(message)
}

/** The wire form; integers equal to their default are left out. */
export function encodeTransportParameters(params: Partial<TransportParameters>): Uint8Array {
  const writer = new ByteWriter(128)
  const bytesParameter = (id: number, value: Uint8Array | undefined): void => {
    if (value != null) writer.varint(id).varint(value.length).bytes(value)
  }
  bytesParameter(Id.originalDestinationConnectionId, params.originalDestinationConnectionId)
  bytesParameter(Id.statelessResetToken, params.statelessResetToken)
  for (const name of INTEGERS) {
    const value = params[name]
    if (value === undefined || value === DEFAULT_TRANSPORT_PARAMETERS[name]) continue
    writer.varint(Id[name]).varint(varintSize(value)).varint(value)
  }
  if (params.disableActiveMigration === true) writer.varint(Id.disableActiveMigration).varint(0)
  if (params.preferredAddress != null) {
    const address = params.preferredAddress
    const value = new ByteWriter(64)
      .bytes(address.ipv4Address)
      .uint16(address.ipv4Port)
      .bytes(address.ipv6Address)
      .uint16(address.ipv6Port)
      .uint8(address.connectionId.length)
      .bytes(address.connectionId)
      .bytes(address.statelessResetToken)
      .finish()
    bytesParameter(Id.preferredAddress, value)
  }
  bytesParameter(Id.initialSourceConnectionId, params.initialSourceConnectionId)
  bytesParameter(Id.retrySourceConnectionId, params.retrySourceConnectionId)
  return writer.finish()
}

function varintSize(value: number): number {
  return value < 0x40 ? 1 : value < 0x4000 ? 2 : value < 0x40000000 ? 4 : 8
}

/**
 * Reads and validates the peer's parameters. `sender` is who sent them: a
 * client may not send the server-only ones.
 */
export function decodeTransportParameters(
  bytes: Uint8Array,
  sender: 'client' | 'server',
): TransportParameters {
  const reader = new ByteReader(bytes, parameterError)
  const params: TransportParameters = { ...DEFAULT_TRANSPORT_PARAMETERS }
  const seen = new Set<number>()
  while (!reader.done) {
    if (seen.size === MAX_TRANSPORT_PARAMETERS)
      reader.fail(`more than ${MAX_TRANSPORT_PARAMETERS} transport parameters`)
    const id = reader.varint('a parameter id')
    const value = reader.sub(reader.varint('a parameter length'), 'a parameter value')
    if (seen.has(id)) reader.fail(`transport parameter 0x${id.toString(16)} appears twice`)
    seen.add(id)
    if (sender === 'client' && SERVER_ONLY.has(id)) {
      reader.fail(`a client sent the server-only transport parameter 0x${id.toString(16)}`)
    }
    readParameter(params, id, value)
  }
  validate(params)
  return params
}

function readParameter(params: TransportParameters, id: number, value: ByteReader): void {
  switch (id) {
    case Id.originalDestinationConnectionId:
      params.originalDestinationConnectionId = connectionId(value)
      return
    case Id.initialSourceConnectionId:
      params.initialSourceConnectionId = connectionId(value)
      return
    case Id.retrySourceConnectionId:
      params.retrySourceConnectionId = connectionId(value)
      return
    case Id.statelessResetToken:
      if (value.remaining !== 16) value.fail(`a stateless reset token of ${value.remaining} bytes`)
      params.statelessResetToken = value.bytesCopy(16)
      return
    case Id.disableActiveMigration:
      value.expectEnd('disable_active_migration')
      params.disableActiveMigration = true
      return
    case Id.preferredAddress: {
      const ipv4Address = value.bytesCopy(4, 'the preferred IPv4 address')
      const ipv4Port = value.uint16('the preferred IPv4 port')
      const ipv6Address = value.bytesCopy(16, 'the preferred IPv6 address')
      const ipv6Port = value.uint16('the preferred IPv6 port')
      const length = value.uint8('the preferred connection ID length')
      if (length < 1 || length > MAX_CONNECTION_ID_LENGTH)
        value.fail(`a preferred connection ID of ${length} bytes`)
      const connectionId = value.bytesCopy(length, 'the preferred connection ID')
      const statelessResetToken = value.bytesCopy(16, 'the preferred stateless reset token')
      value.expectEnd('preferred_address')
      params.preferredAddress = {
        ipv4Address,
        ipv4Port,
        ipv6Address,
        ipv6Port,
        connectionId,
        statelessResetToken,
      }
      return
    }
    default: {
      const name = INTEGERS.find((candidate) => Id[candidate] === id)
      if (name === undefined) return // unknown and GREASE parameters are ignored (§7.4.2)
      params[name] = value.varint(name)
      value.expectEnd(name)
    }
  }
}

function connectionId(value: ByteReader): Uint8Array {
  if (value.remaining > MAX_CONNECTION_ID_LENGTH) value.fail(`a connection ID of ${value.remaining} bytes`)
  return value.bytesCopy(value.remaining)
}

function validate(params: TransportParameters): void {
  if (params.maxUdpPayloadSize < 1200) {
    throw parameterError(`max_udp_payload_size ${params.maxUdpPayloadSize} is below 1200`)
  }
  if (params.ackDelayExponent > 20)
    throw parameterError(`ack_delay_exponent ${params.ackDelayExponent} exceeds 20`)
  if (params.maxAckDelay >= 2 ** 14)
    throw parameterError(`max_ack_delay ${params.maxAckDelay} is not below 2^14`)
  if (params.activeConnectionIdLimit < 2) {
    throw parameterError(`active_connection_id_limit ${params.activeConnectionIdLimit} is below 2`)
  }
  if (params.initialMaxStreamsBidi > MAX_STREAMS_LIMIT || params.initialMaxStreamsUni > MAX_STREAMS_LIMIT) {
    throw parameterError('initial_max_streams exceeds 2^60')
  }
}
