/** Options of the pubsub shell, their defaults (each written once) and their checks. */
import { checkInteger, checkPositive } from '@weft/utils'
import { DEFAULT_RPC_LIMITS, type RpcLimits } from './codec.js'
import { defaultMsgId, type MsgIdFn, type SignaturePolicy, StrictSign } from './message.js'
import type { Clock } from './seen-cache.js'
import type { PubSubInit } from './types.js'

export const DEFAULT_MAX_INBOUND_DATA_LENGTH = 1024 * 1024
export const DEFAULT_MAX_OUTBOUND_BUFFER_SIZE = 4 * 1024 * 1024
export const DEFAULT_MAX_PEERS = 1024
export const DEFAULT_MAX_TOPICS_PER_PEER = 256
export const DEFAULT_MAX_SUBSCRIPTIONS = 1024
export const DEFAULT_MAX_PENDING_VALIDATIONS = 1024
/** about 50 ms of Ed25519 work per window */
export const DEFAULT_MAX_VERIFICATIONS_PER_PEER = 512
export const DEFAULT_VERIFICATION_WINDOW = 1000
export const DEFAULT_MAX_INBOUND_STREAMS = 2
export const DEFAULT_MAX_OUTBOUND_STREAMS = 1
export const DEFAULT_STREAM_OPEN_TIMEOUT = 10_000

/**
 * `PubSubInit` with every default filled in and checked; `seenTTL` and
 * `maxSeenMessages` stay optional, `SeenCache` owns their defaults.
 */
export interface PubSubConfig {
  readonly globalSignaturePolicy: SignaturePolicy
  readonly emitSelf: boolean
  readonly allowPublishToZeroTopicPeers: boolean
  readonly msgIdFn: MsgIdFn
  readonly maxInboundDataLength: number
  readonly maxOutboundBufferSize: number
  readonly maxPeers: number
  readonly maxTopicsPerPeer: number
  readonly maxSubscriptions: number
  readonly seenTTL?: number
  readonly maxSeenMessages?: number
  readonly maxPendingValidations: number
  /** checked by `VerificationBudget` */
  readonly maxVerificationsPerPeer: number
  /** checked by `VerificationBudget` */
  readonly verificationWindow: number
  readonly rpcLimits: Readonly<RpcLimits>
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly runOnLimitedConnection: boolean
  readonly streamOpenTimeout: number
  readonly now: Clock
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: PubSubInit = {}): PubSubConfig {
  return {
    globalSignaturePolicy: init.globalSignaturePolicy ?? StrictSign,
    emitSelf: init.emitSelf ?? false,
    allowPublishToZeroTopicPeers: init.allowPublishToZeroTopicPeers ?? false,
    msgIdFn: init.msgIdFn ?? defaultMsgId,
    maxInboundDataLength: checkInteger(
      'maxInboundDataLength',
      init.maxInboundDataLength ?? DEFAULT_MAX_INBOUND_DATA_LENGTH,
      1,
    ),
    maxOutboundBufferSize: checkInteger(
      'maxOutboundBufferSize',
      init.maxOutboundBufferSize ?? DEFAULT_MAX_OUTBOUND_BUFFER_SIZE,
      1,
    ),
    maxPeers: checkInteger('maxPeers', init.maxPeers ?? DEFAULT_MAX_PEERS),
    maxTopicsPerPeer: checkInteger('maxTopicsPerPeer', init.maxTopicsPerPeer ?? DEFAULT_MAX_TOPICS_PER_PEER),
    maxSubscriptions: checkInteger('maxSubscriptions', init.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS),
    seenTTL: init.seenTTL,
    maxSeenMessages: init.maxSeenMessages,
    maxPendingValidations: checkInteger(
      'maxPendingValidations',
      init.maxPendingValidations ?? DEFAULT_MAX_PENDING_VALIDATIONS,
    ),
    maxVerificationsPerPeer: init.maxVerificationsPerPeer ?? DEFAULT_MAX_VERIFICATIONS_PER_PEER,
    verificationWindow: init.verificationWindow ?? DEFAULT_VERIFICATION_WINDOW,
    rpcLimits: { ...DEFAULT_RPC_LIMITS, ...init.rpcLimits },
    maxInboundStreams: checkInteger(
      'maxInboundStreams',
      init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
      1,
    ),
    maxOutboundStreams: checkInteger(
      'maxOutboundStreams',
      init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS,
      1,
    ),
    runOnLimitedConnection: init.runOnLimitedConnection ?? true,
    streamOpenTimeout: checkPositive(
      'streamOpenTimeout',
      init.streamOpenTimeout ?? DEFAULT_STREAM_OPEN_TIMEOUT,
    ),
    now: init.now ?? Date.now,
  }
}
