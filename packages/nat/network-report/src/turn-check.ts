/**
 * TURN availability: one Allocate request without credentials (RFC 8656
 * §7.1). A TURN server that wants credentials answers 401 with REALM and
 * NONCE; one that allocates for anyone answers success. Either way it is
 * there; no allocation is kept (a success is followed by a Refresh with
 * LIFETIME 0, §7.2). Nothing is sent unless servers are configured.
 */
import {
  ErrorResponseError,
  openUdpClient,
  TransactionTimeoutError,
  TurnAttributeType,
  TurnMethod,
  type UdpClient,
} from '@weft/stun'
import { throwIfAborted } from '@weft/utils'
import { TurnUnavailableError } from './errors.js'
import { endpointText, reportedError } from './nat-probe.js'
import type { ServerAddress, TurnEntry } from './types.js'

/** REQUESTED-TRANSPORT: UDP (protocol 17), then three reserved bytes (RFC 8656 §18.6). */
const REQUESTED_UDP = {
  type: 'other',
  code: TurnAttributeType.REQUESTED_TRANSPORT,
  value: new Uint8Array([17, 0, 0, 0]),
} as const

export interface TurnCheckOptions {
  /** opens the socket the check runs on (tests pass a fake one) */
  openClient?: (family: 4 | 6) => Promise<UdpClient>
  signal?: AbortSignal
}

/** Whether `server` answers an Allocate as a TURN server. */
export async function checkTurn(server: ServerAddress, options: TurnCheckOptions = {}): Promise<TurnEntry> {
  throwIfAborted(options.signal)
  const family = server.host.includes(':') ? 6 : 4
  const entry: TurnEntry = {
    server: endpointText(server.host, server.port),
    transport: 'udp',
    available: false,
  }
  const open = options.openClient ?? ((f: 4 | 6) => openUdpClient({ family: f }))
  let client: UdpClient | undefined
  const started = Date.now()
  try {
    client = await open(family)
    const endpoint = { address: server.host, port: server.port }
    try {
      await client.request(endpoint, {
        method: TurnMethod.ALLOCATE,
        attributes: [REQUESTED_UDP],
        rto: 250,
        maxRequests: 3,
        lastWaitMultiplier: 4,
        signal: options.signal,
      })
      entry.rtt = Date.now() - started
      // allocated without credentials: give it back at once
      entry.available = true
      entry.authRequired = false
      const lifetimeZero = {
        type: 'other',
        code: TurnAttributeType.LIFETIME,
        value: new Uint8Array(4),
      } as const
      await client
        .request(endpoint, {
          method: TurnMethod.REFRESH,
          attributes: [lifetimeZero],
          maxRequests: 1,
          signal: options.signal,
        })
        .catch(() => {})
    } catch (err) {
      if (!(err instanceof ErrorResponseError)) throw err
      if (err.code !== 401)
        throw new TurnUnavailableError(`${entry.server} answered Allocate with ${err.code}, not 401`)
      entry.rtt = Date.now() - started
      entry.available = true
      entry.authRequired = true
    }
  } catch (err) {
    throwIfAborted(options.signal)
    entry.error = reportedError(
      err instanceof TransactionTimeoutError
        ? new TurnUnavailableError(`${entry.server} did not answer`)
        : err,
    )
  } finally {
    client?.close()
  }
  entry.measuredAt = new Date().toISOString()
  return entry
}
