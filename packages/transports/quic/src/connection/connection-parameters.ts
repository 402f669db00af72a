/**
 * A connection's side of the transport parameters (RFC 9000 §18.2): the
 * ones we send, and the client's check that the server's name the
 * connection IDs of the handshake (§7.3), which authenticates them.
 */
import { QuicTransportError, TransportErrorCode } from '../errors.js'
import { encodeTransportParameters, type TransportParameters } from '../transport-parameters.js'
import { ACTIVE_CONNECTION_ID_LIMIT } from './connection-ids.js'
import { resetToken } from './stateless-reset.js'

export interface LocalParameters {
  isClient: boolean
  /** ms; our max_idle_timeout */
  idleTimeout: number
  scid: Uint8Array
  /** the client's first DCID: a server echoes it */
  originalDcid: Uint8Array
  /** a server's token for `scid` comes from it */
  resetKey: Uint8Array
  /** the stream and flow-control limits (`StreamManager.parameters`) */
  streams: Partial<TransportParameters>
}

/** Our transport parameters, encoded for the TLS extension. */
export function localTransportParameters(local: LocalParameters): Uint8Array {
  return encodeTransportParameters({
    maxIdleTimeout: local.idleTimeout,
    maxUdpPayloadSize: 1452,
    activeConnectionIdLimit: ACTIVE_CONNECTION_ID_LIMIT,
    ...local.streams,
    initialSourceConnectionId: local.scid,
    ...(local.isClient
      ? {}
      : {
          originalDestinationConnectionId: local.originalDcid,
          statelessResetToken: resetToken(local.resetKey, local.scid),
        }),
  })
}

/**
 * Client: the server's parameters must repeat the DCID of our first Initial
 * and the SCID of its own Initials; throws TRANSPORT_PARAMETER_ERROR if not.
 */
export function checkServerConnectionIds(
  params: TransportParameters,
  originalDcid: Uint8Array,
  serverScid: Uint8Array,
): void {
  if (!same(params.originalDestinationConnectionId, originalDcid)) {
    throw new QuicTransportError(
      TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
      'original_destination_connection_id mismatch',
    )
  }
  if (!same(params.initialSourceConnectionId, serverScid)) {
    throw new QuicTransportError(
      TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
      'initial_source_connection_id mismatch',
    )
  }
}

function same(a?: Uint8Array, b?: Uint8Array): boolean {
  return a != null && b != null && a.length === b.length && a.every((byte, i) => byte === b[i])
}
