/**
 * Options of the MQTT signalling service, their defaults and bounds. A bad
 * option throws a RangeError naming it.
 */
import type { Multiaddr } from '@multiformats/multiaddr'

export interface MqttSignallingInit {
  /** broker URLs (`mqtt://host:port`, `mqtts://…`, `ws://…`); none are built in */
  brokers: string[]
  /** topics are `<topicPrefix>/<peer id>` (default `weft/signal/v1`) */
  topicPrefix?: string
  /** how long a message we send stays valid, ms (default 30 000) */
  messageTtl?: number
  /** the longest expiry we accept from now, ms (default 60 000): older-than-window messages are refused */
  maxTtl?: number
  /** clock difference tolerated with senders, ms (default 10 000) */
  clockSkew?: number
  /** the largest MQTT payload sent or accepted, bytes (default 8 192) */
  maxMessageSize?: number
  /** nonces remembered for replay protection (default 10 000) */
  replayCacheSize?: number
  /** messages accepted per second from one sender, and its burst (default 10 and 20) */
  senderRate?: number
  senderBurst?: number
  /** messages opened per second from everyone together, before their signature is checked (default 100, burst 200) */
  globalRate?: number
  globalBurst?: number
  /** senders whose rate is tracked at once (default 1 024; the least recently seen is forgotten) */
  maxTrackedSenders?: number
  /** a request (findPeer, requestDialBack) waits this long for its answer, ms (default 10 000) */
  requestTimeout?: number
  /** requests of ours waiting for an answer (default 64) */
  maxPendingRequests?: number
  /** a publish waits this long for the broker's acknowledgement, ms (default 5 000) */
  publishTimeout?: number
  /** MQTT connect timeout, ms (default 5 000) */
  connectTimeout?: number
  /** start() waits this long for a first broker, then returns anyway (default 5 000) */
  startTimeout?: number
  /** reconnect backoff: first and largest delay, ms (default 500 and 30 000; doubling, with jitter) */
  reconnectDelay?: number
  maxReconnectDelay?: number
  /** MQTT keepalive, s (default 30) */
  keepalive?: number
  /** answer findPeer requests with our addresses (default true) */
  answerFindPeer?: boolean
  /** serve dial-back requests (default true) */
  serveDialBack?: boolean
  /** addresses tried per dial-back request (default 4) */
  maxDialBackAddresses?: number
  /** dial-backs run at once, over all peers (default 4; one per peer) */
  maxConcurrentDialBacks?: number
  /** one dial-back attempt's timeout, ms (default 5 000) */
  dialBackTimeout?: number
  /** dial back loopback, private and other special-purpose addresses too (default false) */
  allowPrivateAddresses?: boolean
  /** offer reverse connect to the host's connection ladder as its `reverse` rung (default true) */
  ladderRung?: boolean
  /** a further filter on dial-back addresses (after the built-in policy) */
  dialBackFilter?: (addr: Multiaddr) => boolean
}

export interface MqttSignallingConfig
  extends Required<Omit<MqttSignallingInit, 'dialBackFilter'>>,
    Pick<MqttSignallingInit, 'dialBackFilter'> {}

export const DEFAULTS = {
  topicPrefix: 'weft/signal/v1',
  messageTtl: 30_000,
  maxTtl: 60_000,
  clockSkew: 10_000,
  maxMessageSize: 8_192,
  replayCacheSize: 10_000,
  senderRate: 10,
  senderBurst: 20,
  globalRate: 100,
  globalBurst: 200,
  maxTrackedSenders: 1_024,
  requestTimeout: 10_000,
  maxPendingRequests: 64,
  publishTimeout: 5_000,
  connectTimeout: 5_000,
  startTimeout: 5_000,
  reconnectDelay: 500,
  maxReconnectDelay: 30_000,
  keepalive: 30,
  answerFindPeer: true,
  serveDialBack: true,
  maxDialBackAddresses: 4,
  maxConcurrentDialBacks: 4,
  dialBackTimeout: 5_000,
  allowPrivateAddresses: false,
  ladderRung: true,
} as const

/** The largest message any option may allow: MQTT brokers commonly cap packets near here. */
export const MAX_MESSAGE_SIZE = 256 * 1024
const MAX_BROKERS = 16

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

function positive(name: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new RangeError(`${name}: expected a number above 0 and at most ${max}, got ${value}`)
  }
  return value
}

export function resolveConfig(init: MqttSignallingInit): MqttSignallingConfig {
  const config = { ...DEFAULTS, ...init }
  if (!Array.isArray(config.brokers) || config.brokers.length === 0 || config.brokers.length > MAX_BROKERS) {
    throw new RangeError(
      `brokers: expected 1 to ${MAX_BROKERS} broker URLs, got ${String(config.brokers?.length)}`,
    )
  }
  for (const url of config.brokers) {
    if (typeof url !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\//.test(url)) {
      throw new RangeError(`brokers: expected mqtt://, mqtts://, ws:// or wss:// URLs, got ${String(url)}`)
    }
  }
  if (
    typeof config.topicPrefix !== 'string' ||
    config.topicPrefix === '' ||
    /[#+]/.test(config.topicPrefix) ||
    config.topicPrefix.includes('\u0000') ||
    config.topicPrefix.endsWith('/')
  ) {
    throw new RangeError(
      `topicPrefix: expected a topic without wildcards, NUL or trailing '/', got ${config.topicPrefix}`,
    )
  }
  integer('maxTtl', config.maxTtl, 1_000, 3_600_000)
  integer('messageTtl', config.messageTtl, 1_000, config.maxTtl)
  integer('clockSkew', config.clockSkew, 0, 600_000)
  integer('maxMessageSize', config.maxMessageSize, 512, MAX_MESSAGE_SIZE)
  integer('replayCacheSize', config.replayCacheSize, 16, 1_000_000)
  positive('senderRate', config.senderRate, 10_000)
  integer('senderBurst', config.senderBurst, 1, 100_000)
  positive('globalRate', config.globalRate, 100_000)
  integer('globalBurst', config.globalBurst, 1, 1_000_000)
  integer('maxTrackedSenders', config.maxTrackedSenders, 1, 1_000_000)
  integer('requestTimeout', config.requestTimeout, 1, 600_000)
  integer('maxPendingRequests', config.maxPendingRequests, 1, 10_000)
  integer('publishTimeout', config.publishTimeout, 1, 600_000)
  integer('connectTimeout', config.connectTimeout, 1, 600_000)
  integer('startTimeout', config.startTimeout, 0, 600_000)
  integer('reconnectDelay', config.reconnectDelay, 1, 600_000)
  integer('maxReconnectDelay', config.maxReconnectDelay, config.reconnectDelay, 3_600_000)
  integer('keepalive', config.keepalive, 0, 65_535)
  integer('maxDialBackAddresses', config.maxDialBackAddresses, 1, 32)
  integer('maxConcurrentDialBacks', config.maxConcurrentDialBacks, 1, 256)
  integer('dialBackTimeout', config.dialBackTimeout, 1, 600_000)
  return config
}

/** The delay before reconnect attempt `attempt` (0-based): doubling from `base` to `max`, minus up to a quarter of jitter. */
export function reconnectDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const full = Math.min(max, base * 2 ** Math.min(attempt, 30))
  return Math.round(full - full * 0.25 * random())
}
