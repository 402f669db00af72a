/** Options of the mplex muxer, their defaults (each written once) and their checks. */
import type { StreamOptions } from '@libp2p/interface'
import { checkInteger } from '@weft/utils'
import { SPEC_MAX_MESSAGE_SIZE } from './frame.js'

export interface MplexInit {
  maxInboundStreams?: number
  maxOutboundStreams?: number
  maxEarlyStreams?: number
  maxMessageSize?: number
  maxSendMessageSize?: number
  maxStreamBufferSize?: number
  maxConnectionBufferSize?: number
  maxStreamResets?: number
  /** milliseconds */
  streamResetWindow?: number
  streamOptions?: StreamOptions
}

/** `MplexInit` with every default filled in and checked; `mplex(init)` documents each option. */
export interface MplexConfig {
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly maxEarlyStreams: number
  readonly maxMessageSize: number
  readonly maxSendMessageSize: number
  readonly maxStreamBufferSize: number
  readonly maxConnectionBufferSize: number
  readonly maxStreamResets: number
  readonly streamResetWindow: number
  readonly streamOptions: StreamOptions
}

export const DEFAULT_MAX_INBOUND_STREAMS = 1024
export const DEFAULT_MAX_OUTBOUND_STREAMS = 1024
export const DEFAULT_MAX_EARLY_STREAMS = 32
export const DEFAULT_MAX_MESSAGE_SIZE = SPEC_MAX_MESSAGE_SIZE
export const DEFAULT_MAX_SEND_MESSAGE_SIZE = 64 * 1024
export const DEFAULT_MAX_STREAM_BUFFER_SIZE = 4 * 1024 * 1024
export const DEFAULT_MAX_CONNECTION_BUFFER_SIZE = 64 * 1024 * 1024
export const DEFAULT_MAX_STREAM_RESETS = 1000
export const DEFAULT_STREAM_RESET_WINDOW = 10_000

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: MplexInit = {}): MplexConfig {
  return {
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
    maxEarlyStreams: checkInteger('maxEarlyStreams', init.maxEarlyStreams ?? DEFAULT_MAX_EARLY_STREAMS, 1),
    maxMessageSize: checkInteger('maxMessageSize', init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, 1),
    // peers accept at most the spec's 1 MiB, so a larger send size is capped, not refused
    maxSendMessageSize: Math.min(
      checkInteger('maxSendMessageSize', init.maxSendMessageSize ?? DEFAULT_MAX_SEND_MESSAGE_SIZE, 1),
      SPEC_MAX_MESSAGE_SIZE,
    ),
    maxStreamBufferSize: checkInteger(
      'maxStreamBufferSize',
      init.maxStreamBufferSize ?? DEFAULT_MAX_STREAM_BUFFER_SIZE,
      1,
    ),
    maxConnectionBufferSize: checkInteger(
      'maxConnectionBufferSize',
      init.maxConnectionBufferSize ?? DEFAULT_MAX_CONNECTION_BUFFER_SIZE,
      1,
    ),
    maxStreamResets: checkInteger('maxStreamResets', init.maxStreamResets ?? DEFAULT_MAX_STREAM_RESETS, 1),
    streamResetWindow: checkInteger(
      'streamResetWindow',
      init.streamResetWindow ?? DEFAULT_STREAM_RESET_WINDOW,
      1,
    ),
    streamOptions: init.streamOptions ?? {},
  }
}
