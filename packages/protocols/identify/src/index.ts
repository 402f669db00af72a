/**
 * @weft/identify: the libp2p identify and identify/push protocols
 * (`/ipfs/id/1.0.0`, `/ipfs/id/push/1.0.0`; libp2p/specs identify/README.md).
 *
 * Every new connection is identified: the remote's protocols, addresses
 * (from its signed peer record when it sends a valid one), agent and protocol
 * versions and public key go to the peer store, and `peer:identify` is
 * dispatched with an `IdentifyResult`. We answer identify requests with our
 * own record, and push it to connected peers when our addresses or protocols
 * change.
 *
 * A service in the js-libp2p shape, so it runs in a weft host and in
 * js-libp2p's `createLibp2p` alike:
 *
 * ```ts
 * import { identify } from '@weft/identify'
 *
 * const host = await createHost({ ..., services: { identify: identify() } })
 * host.addEventListener('peer:identify', (evt) => console.log(evt.detail.agentVersion))
 * const result = await host.services.identify.identify(connection, { signal })
 * ```
 *
 * Options (`IdentifyInit`): `protocolPrefix` ('ipfs'), `agentVersion` (the
 * host's `nodeInfo.userAgent`, else `weft/<version> node/<version>`),
 * `protocolVersion` ('ipfs/0.1.0'), `timeout` (ms per exchange; 5 000),
 * `maxMessageSize` (8 KiB), `maxInboundStreams` / `maxOutboundStreams` (1),
 * `maxPushIncomingStreams` / `maxPushOutgoingStreams` (1),
 * `runOnLimitedConnection` (true), `runOnConnectionOpen` (true),
 * `maxObservedAddresses` (10; one per observer address, none from relayed
 * connections), `pushDebounce` (ms; 500), `maxPushConcurrency` (32).
 *
 * Errors: `UnexpectedPeerError` when a message's public key is not the
 * remote peer's (nothing is stored), `InvalidMessageError` on malformed
 * protobuf, `MessageTooLargeError` / `TooManyEntriesError` /
 * `TooManyMessagesError` at the limits, `TimeoutError`; an invalid signed
 * peer record is discarded with a logged `InvalidSignedPeerRecordError`.
 */
import { type IdentifyComponents, IdentifyService } from './identify-service.js'
import type { IdentifyInit } from './options.js'

export * from './errors.js'
export { type IdentifyComponents, IdentifyService } from './identify-service.js'
export {
  type DecodeLimits,
  decodeIdentify,
  encodeIdentify,
  encodeResponse,
  type IdentifyMessage,
  MAX_ADDRESSES,
  MAX_PROTOCOLS,
  mergeIdentify,
} from './message.js'
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_PROTOCOL_PREFIX,
  DEFAULT_PROTOCOL_VERSION,
  DEFAULT_TIMEOUT,
  defaultAgentVersion,
  type IdentifyConfig,
  type IdentifyInit,
  resolveConfig,
} from './options.js'
export { MAX_MESSAGES_PER_STREAM } from './read-messages.js'

/** The identify service factory: `identify(init)(components)`. */
export function identify(init: IdentifyInit = {}): (components: IdentifyComponents) => IdentifyService {
  return (components) => new IdentifyService(components, init)
}
