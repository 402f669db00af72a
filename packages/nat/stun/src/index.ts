/**
 * @weft/stun: know your network. A STUN client (RFC 8489) over UDP and TCP,
 * NAT behaviour discovery (RFC 5780) and P2PD's port-allocation measurement,
 * one report in both vocabularies. Servers are configured, never built in.
 *
 * @example
 * ```ts
 * import { discoverNat, openUdpClient } from '@weft/stun'
 * const report = await discoverNat({ server: { address: '198.51.100.1', port: 3478 } })
 * // { classic: 'port-restricted', mapping: 'endpoint-independent',
 * //   filtering: 'address-and-port-dependent', allocation: 'equal', delta: 0, … }
 * const client = await openUdpClient()
 * const { mapped } = await client.request({ address: '198.51.100.1', port: 3478 })
 * client.close()
 * ```
 *
 * - `UdpClient` runs on a dgram socket the host already owns (`listen:
 *   false` and `receive()` to demultiplex yourself; `isStunMessage` tells
 *   STUN datagrams apart), so the mapping it learns is the host's; RTO
 *   doubling with `rto` (500 ms), `maxRequests` (Rc, 7),
 *   `lastWaitMultiplier` (Rm, 16); `maxPendingTransactions` (64).
 * - `TcpClient` frames messages on a stream; `timeout` (Ti, 39.5 s).
 * - `discoverNat({ server, client?, hairpinTimeout, allocationSamples })`
 *   returns a `NatReport`; `estimateMappingLifetime({ server, max })`.
 * - The codec (`encodeMessage`, `decodeMessage`, `verifyIntegrity`) is total:
 *   bad bytes throw `MalformedMessageError` or `FingerprintMismatchError`.
 * - Logs under `weft:stun`.
 */
export {
  type Attribute,
  AttributeType,
  addressBytes,
  MAGIC_COOKIE,
  type TransportAddress,
} from './attributes.js'
export {
  type AllocationResult,
  type Behaviour,
  type ClassicNatType,
  classicType,
  filteringBehaviour,
  mappingBehaviour,
  type PortAllocation,
  type PortSample,
  portAllocation,
} from './classify.js'
export { crc32 } from './crc32.js'
export {
  DISCOVERY_TIMING,
  type DiscoveryOptions,
  discoverNat,
  estimateMappingLifetime,
  type LifetimeEstimate,
  type LifetimeOptions,
  type NatReport,
} from './discovery.js'
export * from './errors.js'
export {
  type DecodeOptions,
  decodeMessage,
  type EncodeOptions,
  encodeMessage,
  findAttribute,
  HEADER_LENGTH,
  isStunMessage,
  MAX_MESSAGE_LENGTH,
  type Message,
  type MessageClass,
  Method,
  messageLengthFromHeader,
  messageType,
  newTransactionId,
  verifyIntegrity,
} from './message.js'
export { TcpClient, type TcpClientInit, type TcpRequestOptions } from './tcp-client.js'
export {
  DEFAULT_LAST_WAIT_MULTIPLIER,
  DEFAULT_MAX_REQUESTS,
  DEFAULT_RTO,
  DEFAULT_TCP_TIMEOUT,
  type RetransmissionInit,
  type RetransmissionSchedule,
  retransmissionSchedule,
} from './transaction.js'
export {
  decodeXorAddress,
  longTermKey,
  TurnAttributeType,
  TurnMethod,
  xorAddressAttribute,
} from './turn-attributes.js'
export {
  type Endpoint,
  mappedAddressOf,
  type OpenUdpClientOptions,
  openUdpClient,
  type RequestOptions,
  type Response,
  UdpClient,
  type UdpClientInit,
} from './udp-client.js'
