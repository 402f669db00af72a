/**
 * @weft/mqtt-signalling: signalling between hosts through MQTT 5 brokers, so
 * two hosts need no server of their own to find each other (as P2PD does).
 * Each host subscribes to `<topicPrefix>/<its peer id>` on every configured
 * broker; a message to a peer is published to the peer's topic on every
 * connected broker, and copies are dropped on arrival. Every message is
 * signed by the sender's libp2p key and sealed to the recipient (X25519
 * from its Ed25519 key, HKDF-SHA256, ChaCha20-Poly1305), carries an expiry
 * and a nonce (replays refused), is bounded in size and rate-limited per
 * sender. On top: `findPeer` (peer routing by peer id alone: the peer
 * answers with its addresses) and reverse connect (`requestDialBack`: the
 * peer dials us). No broker is built in; the wire format is in
 * this package's README.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { mqttSignalling } from '@weft/mqtt-signalling'
 *
 * const host = await createHost({
 *   ..., services: { signalling: mqttSignalling({ brokers: ['mqtt://broker.example:1883'] }) },
 * })
 * const peer = await host.peerRouting.findPeer(peerId) // asked over MQTT
 * await host.dial(peerId)
 * host.services.signalling.on('message', ({ from, type, payload }) => { … })
 * await host.services.signalling.send(peerId, { type: 'chat', payload })
 * const inbound = await host.services.signalling.requestDialBack(peerId) // the peer dials us
 * ```
 *
 * Options (`MqttSignallingInit`): `brokers` (required, 1 to 16 URLs),
 * `topicPrefix` = `weft/signal/v1`, `messageTtl` = 30 s, `maxTtl` = 60 s,
 * `clockSkew` = 10 s, `maxMessageSize` = 8 KiB, `replayCacheSize` = 10 000,
 * `senderRate`/`senderBurst` = 10/s, 20, `globalRate`/`globalBurst` =
 * 100/s, 200, `requestTimeout` = 10 s, `publishTimeout` = 5 s,
 * `connectTimeout` = 5 s, `startTimeout` = 5 s, `reconnectDelay` 500 ms
 * doubling to `maxReconnectDelay` 30 s, `answerFindPeer` and
 * `serveDialBack` = true, `maxDialBackAddresses` = 4,
 * `maxConcurrentDialBacks` = 4, `dialBackTimeout` = 5 s,
 * `allowPrivateAddresses` = false (dial-backs only to public IPs),
 * `dialBackFilter`, `ladderRung` = true (reverse connect as the host
 * ladder's `reverse` rung). Logs under `weft:mqtt-signalling`.
 *
 * Events: `message`, `reject` (reason and typed error: forged, replayed,
 * expired, malformed, tooLarge, rateLimited, unsolicited), `broker:connect`,
 * `broker:disconnect`, `dial-back`. Counters: `stats`.
 */
import type { MqttSignallingInit } from './config.js'
import { MqttSignalling, type MqttSignallingComponents } from './mqtt-signalling.js'

export {
  DEFAULTS,
  MAX_MESSAGE_SIZE,
  type MqttSignallingConfig,
  type MqttSignallingInit,
  resolveConfig,
} from './config.js'
export { type DialBackPolicy, dialBackAddresses } from './dial-back-policy.js'
export {
  type Body,
  decodeBody,
  decodeSealed,
  decodeSigned,
  encodeBody,
  encodeSealed,
  encodeSigned,
} from './envelope.js'
export {
  DialBackFailedError,
  ExpiredSignalError,
  InvalidSignalError,
  InvalidSignatureError,
  NoBrokerError,
  PublishFailedError,
  ReplayedSignalError,
  SignallingStoppedError,
  SignallingTimeoutError,
  SignalRateLimitError,
  SignalTooLargeError,
  TooManyRequestsError,
  UnsealFailedError,
  UnsolicitedReplyError,
  UnsupportedRecipientError,
} from './errors.js'
export type { MqttSignallingEvents, RejectEvent, SignalEvent } from './events.js'
export { DIAL_BACK, DIAL_BACK_REPLY, FIND_PEER, FIND_PEER_REPLY, RESERVED_PREFIX } from './messages.js'
export { MqttSignalling, type MqttSignallingComponents } from './mqtt-signalling.js'
export { KeyedRateLimiter, TokenBucket } from './rate-limiter.js'
export { ReplayCache } from './replay-cache.js'
export {
  connectionLadderRungSymbol,
  REVERSE_RUNG_ORDER,
  type ReverseConnectRung,
  reverseConnectRung,
} from './reverse-connect.js'
export {
  checkExpiry,
  createSignal,
  type OpenedSignal,
  openSignal,
  recipientKey,
  type SealKeys,
  type SignalMessage,
  sealKeys,
} from './signal.js'
export type { RejectReason, SignallingStats } from './stats.js'

/** The signalling service factory: `mqttSignalling(init)(components)`. */
export function mqttSignalling(
  init: MqttSignallingInit,
): (components: MqttSignallingComponents) => MqttSignalling {
  return (components) => new MqttSignalling(components, init)
}
