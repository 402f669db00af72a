/**
 * @weft/turn: a TURN client (RFC 8656, RFC 6062) and weft's last-resort
 * path: a libp2p transport that dials peers through a TCP allocation, so a
 * host that can reach nothing but a TURN server still gets an authenticated,
 * multiplexed connection (Noise and yamux run end to end over the relayed
 * TCP connection; the server sees only ciphertext).
 *
 * @example
 * ```ts
 * import { restCredentialSource, TurnClient, turnTransport } from '@weft/turn'
 * const client = new TurnClient({
 *   server: { address: '198.51.100.1', port: 3478 },
 *   credentials: { username: 'alice', password: 'secret' },
 * })
 * const { relayed } = await client.allocate()
 * await client.bindChannel(peer)
 * client.addEventListener('data', (evt) => console.log(evt.detail.peer, evt.detail.data))
 * client.send(peer, bytes)
 * await client.close() // Refresh LIFETIME 0, every timer cleared
 *
 * // the host: every TCP dial goes through the relay
 * createHost({
 *   transports: [turnTransport({ server, credentials: restCredentialSource({ secret, user: 'weft', ttl: 600 }) })],
 *   connectionEncrypters: [noise()], streamMuxers: [yamux()],
 * })
 * ```
 *
 * Options (`TurnClientInit`): `transport` 'udp' | 'tcp' to the server,
 * `relay` 'udp' | 'tcp' (RFC 6062), `credentials` (fixed or a source asked
 * again on a 401; an allocation keeps its username, RFC 8656 §9.2),
 * `lifetime` (600 s), `refreshMargin` (60 s), `permissionRefresh` (240 s),
 * `channelRefresh` (540 s), `maxPermissions` / `maxChannels` (64), the STUN
 * retransmission settings (`rto`, `maxRequests`, `lastWaitMultiplier`) and
 * `timeout` (Ti over TCP). Error responses are typed (437, 441, 486, 508,
 * 403, 446/447, 401). Logs under `weft:turn`.
 */
export {
  type Allocation,
  type ConnectionAttemptDetail,
  type DataEventDetail,
  TurnClient,
  type TurnClientEvents,
  type TurnClientInit,
} from './client.js'
export {
  type CredentialSource,
  type Credentials,
  type RestCredentialsInit,
  restCredentialSource,
  restCredentials,
} from './credentials.js'
export * from './errors.js'
export {
  type ChannelData,
  decodeChannelData,
  encodeChannelData,
  isChannelData,
  MAX_CHANNEL,
  MIN_CHANNEL,
  StreamFramer,
} from './framing.js'
export { bindConnection, connectPeer, type PeerConnectionOptions } from './tcp-allocation.js'
export {
  peerOf,
  TurnTransport,
  type TurnTransportComponents,
  type TurnTransportInit,
  turnTransport,
} from './transport.js'
