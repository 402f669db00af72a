/**
 * @weft/ping: the libp2p ping protocol (`/ipfs/ping/1.0.0`, libp2p/specs
 * ping/ping.md). The dialer sends 32 random bytes, the listener echoes them,
 * and the dialer reports the round trip time in milliseconds.
 *
 * A service in the js-libp2p shape, so it runs in a weft host and in
 * js-libp2p's `createLibp2p` alike:
 *
 * ```ts
 * import { ping } from '@weft/ping'
 *
 * const host = await createHost({ ..., services: { ping: ping() } })
 * const rtt = await host.services.ping.ping(remotePeerIdOrMultiaddr, { signal })
 * ```
 *
 * Options (`PingInit`): `protocolPrefix` ('ipfs'), `timeout` (ms per ping,
 * dial included; 10 000), `idleTimeout` (ms an inbound stream may sit without
 * a payload; 60 000), `maxInboundStreams` (per connection; 2),
 * `maxOutboundStreams` (per connection; 1), `runOnLimitedConnection` (true).
 *
 * Errors: `PingMismatchError` when the echo differs from what we sent,
 * `TimeoutError` when the ping outlives `timeout`, the signal's reason when
 * aborted, `PingServiceStoppedError` when the service stops meanwhile.
 */
import type { PingInit } from './config.js'
import { type PingComponents, PingService } from './ping-service.js'

export {
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_TIMEOUT,
  type PingConfig,
  type PingInit,
  PROTOCOL_NAME,
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
  resolveConfig,
} from './config.js'
export { PING_LENGTH } from './echo.js'
export * from './errors.js'
export { type PingComponents, PingService, pingOnce } from './ping-service.js'

/** The ping service factory: `ping(init)(components)`. */
export function ping(init: PingInit = {}): (components: PingComponents) => PingService {
  return (components) => new PingService(components, init)
}
