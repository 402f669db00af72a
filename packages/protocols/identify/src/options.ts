/** Options of the identify service, their defaults (each written once) and their checks. */
import type { NodeInfo } from '@libp2p/interface'
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import { VERSION } from './version.js'

export interface IdentifyInit {
  /** protocol ids are `/<prefix>/id/1.0.0` and `/<prefix>/id/push/1.0.0` (default 'ipfs') */
  protocolPrefix?: string
  /** what we call ourselves (default the host's `nodeInfo.userAgent`, else `weft/<version> node/<version>`) */
  agentVersion?: string
  /** the protocol family we speak (default 'ipfs/0.1.0') */
  protocolVersion?: string
  /** milliseconds one identify or push exchange may take (default 5 000) */
  timeout?: number
  /** bytes one Identify message may hold (default 8 KiB) */
  maxMessageSize?: number
  /** concurrent inbound identify streams per connection (default 1) */
  maxInboundStreams?: number
  /** concurrent outbound identify streams per connection (default 1) */
  maxOutboundStreams?: number
  /** concurrent inbound push streams per connection (default 1) */
  maxPushIncomingStreams?: number
  /** concurrent outbound push streams per connection (default 1) */
  maxPushOutgoingStreams?: number
  /** identify and push over limited (relayed) connections too (default true) */
  runOnLimitedConnection?: boolean
  /** identify every new connection (default true) */
  runOnConnectionOpen?: boolean
  /**
   * stop reporting observed addresses to the address manager once it holds this many (default 10);
   * each observer address (IPv4, or IPv6 /64) holds at most one of them at a time
   */
  maxObservedAddresses?: number
  /** milliseconds to gather changes of our own record into one push (default 500) */
  pushDebounce?: number
  /** peers pushed to at the same time (default 32) */
  maxPushConcurrency?: number
}

export const DEFAULT_PROTOCOL_PREFIX = 'ipfs'
export const DEFAULT_PROTOCOL_VERSION = 'ipfs/0.1.0'
/** go-libp2p's Connect waits for identify: answer promptly and never hang */
export const DEFAULT_TIMEOUT = 5_000
export const DEFAULT_MAX_MESSAGE_SIZE = 8 * 1024
export const DEFAULT_MAX_OBSERVED_ADDRESSES = 10
export const DEFAULT_PUSH_DEBOUNCE = 500
export const DEFAULT_MAX_PUSH_CONCURRENCY = 32
/** one stream of each kind per connection: identify is a single exchange */
export const DEFAULT_MAX_STREAMS = 1

/** `weft/<version> node/<version>` (or the runtime's name when not Node.js). */
export function defaultAgentVersion(): string {
  const nodeVersion = (globalThis as { process?: { version?: string } }).process?.version
  return nodeVersion != null ? `weft/${VERSION} node/${nodeVersion}` : `weft/${VERSION}`
}

/** `IdentifyInit` with every default filled in and checked. */
export interface IdentifyConfig {
  readonly protocolPrefix: string
  readonly agentVersion: string
  readonly protocolVersion: string
  readonly timeout: number
  readonly maxMessageSize: number
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly maxPushIncomingStreams: number
  readonly maxPushOutgoingStreams: number
  readonly runOnLimitedConnection: boolean
  readonly runOnConnectionOpen: boolean
  readonly maxObservedAddresses: number
  readonly pushDebounce: number
  readonly maxPushConcurrency: number
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: IdentifyInit = {}, nodeInfo?: NodeInfo): IdentifyConfig {
  return {
    protocolPrefix: init.protocolPrefix ?? DEFAULT_PROTOCOL_PREFIX,
    agentVersion: init.agentVersion ?? nodeInfo?.userAgent ?? defaultAgentVersion(),
    protocolVersion: init.protocolVersion ?? DEFAULT_PROTOCOL_VERSION,
    timeout: checkPositive('timeout', init.timeout ?? DEFAULT_TIMEOUT),
    maxMessageSize: checkInteger('maxMessageSize', init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, 1),
    maxInboundStreams: checkInteger('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_STREAMS, 1),
    maxOutboundStreams: checkInteger('maxOutboundStreams', init.maxOutboundStreams ?? DEFAULT_MAX_STREAMS, 1),
    maxPushIncomingStreams: checkInteger(
      'maxPushIncomingStreams',
      init.maxPushIncomingStreams ?? DEFAULT_MAX_STREAMS,
      1,
    ),
    maxPushOutgoingStreams: checkInteger(
      'maxPushOutgoingStreams',
      init.maxPushOutgoingStreams ?? DEFAULT_MAX_STREAMS,
      1,
    ),
    runOnLimitedConnection: init.runOnLimitedConnection ?? true,
    runOnConnectionOpen: init.runOnConnectionOpen ?? true,
    maxObservedAddresses: checkInteger(
      'maxObservedAddresses',
      init.maxObservedAddresses ?? DEFAULT_MAX_OBSERVED_ADDRESSES,
    ),
    pushDebounce: checkNonNegative('pushDebounce', init.pushDebounce ?? DEFAULT_PUSH_DEBOUNCE),
    maxPushConcurrency: checkInteger(
      'maxPushConcurrency',
      init.maxPushConcurrency ?? DEFAULT_MAX_PUSH_CONCURRENCY,
      1,
    ),
  }
}
