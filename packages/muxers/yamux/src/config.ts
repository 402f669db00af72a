/** Options of the yamux muxer, their defaults and their validation. */
import type { StreamOptions } from '@libp2p/interface'
import { checkInteger, DEFAULT_MAX_READ_BUFFER_LENGTH } from '@weft/utils'
import { INITIAL_STREAM_WINDOW, MAX_UINT32 } from './frame.js'

export interface YamuxStreamOptions extends StreamOptions {
  /** Receive window of each stream, at least 256 KiB (default 256 KiB). */
  initialStreamWindowSize?: number
  /** Largest receive window auto-tuning may grow to (default 16 MiB, at most 2^32-1). */
  maxStreamWindowSize?: number
}

export interface YamuxInit {
  /**
   * Act as the yamux client (odd stream ids) or server (even ids). Default:
   * client when the connection's `direction` is `'outbound'` (we dialed).
   */
  initiator?: boolean
  /** Concurrent streams the remote may open; more are reset (default 1024). */
  maxInboundStreams?: number
  /** Concurrent streams we may open; `createStream` throws beyond (default 1024). */
  maxOutboundStreams?: number
  /** Largest Data frame payload we send (default 64 KiB). */
  maxMessageSize?: number
  /** Inbound streams held until a `'stream'` listener is added; more are reset (default 10). */
  maxEarlyStreams?: number
  /** Ping the remote every `keepAliveInterval` ms and close the session if a ping stays unanswered that long (default true). */
  enableKeepAlive?: boolean
  /** Milliseconds between keep-alive pings (default 30 000). */
  keepAliveInterval?: number
  /** Receive window sizes (`initialStreamWindowSize`, `maxStreamWindowSize`) plus per-stream buffer limits. */
  streamOptions?: YamuxStreamOptions
}

export interface YamuxConfig {
  initiator?: boolean
  maxInboundStreams: number
  maxOutboundStreams: number
  maxMessageSize: number
  maxEarlyStreams: number
  enableKeepAlive: boolean
  keepAliveInterval: number
  initialStreamWindowSize: number
  maxStreamWindowSize: number
  streamOptions: StreamOptions
}

export const DEFAULT_MAX_STREAM_WINDOW = 16 * 1024 * 1024

/** Fills in defaults and checks ranges; throws RangeError on a bad option. */
export function resolveConfig(init: YamuxInit = {}): YamuxConfig {
  const { initialStreamWindowSize, maxStreamWindowSize, ...streamOptions } = init.streamOptions ?? {}
  const config: YamuxConfig = {
    initiator: init.initiator,
    maxInboundStreams: init.maxInboundStreams ?? 1024,
    maxOutboundStreams: init.maxOutboundStreams ?? 1024,
    maxMessageSize: init.maxMessageSize ?? 64 * 1024,
    maxEarlyStreams: init.maxEarlyStreams ?? 10,
    enableKeepAlive: init.enableKeepAlive ?? true,
    keepAliveInterval: init.keepAliveInterval ?? 30_000,
    initialStreamWindowSize: initialStreamWindowSize ?? INITIAL_STREAM_WINDOW,
    maxStreamWindowSize: 0,
    streamOptions,
  }
  config.maxStreamWindowSize =
    maxStreamWindowSize ?? Math.max(DEFAULT_MAX_STREAM_WINDOW, config.initialStreamWindowSize)

  checkInteger('maxInboundStreams', config.maxInboundStreams, 0, Number.MAX_SAFE_INTEGER)
  checkInteger('maxOutboundStreams', config.maxOutboundStreams, 0, Number.MAX_SAFE_INTEGER)
  checkInteger('maxMessageSize', config.maxMessageSize, 1, MAX_UINT32)
  checkInteger('maxEarlyStreams', config.maxEarlyStreams, 0, Number.MAX_SAFE_INTEGER)
  checkInteger('keepAliveInterval', config.keepAliveInterval, 1, 2 ** 31 - 1)
  checkInteger('initialStreamWindowSize', config.initialStreamWindowSize, INITIAL_STREAM_WINDOW, MAX_UINT32)
  checkInteger('maxStreamWindowSize', config.maxStreamWindowSize, config.initialStreamWindowSize, MAX_UINT32)
  return config
}

/**
 * Buffer options of a new stream: `createStream` options over
 * `streamOptions`. The read buffer defaults to hold a full window (the window
 * already bounds what a stream buffers), at least the usual 4 MiB.
 */
export function streamBufferOptions(config: YamuxConfig, options: StreamOptions): StreamOptions {
  const defaults = config.streamOptions
  return {
    inactivityTimeout: options.inactivityTimeout ?? defaults.inactivityTimeout,
    maxReadBufferLength:
      options.maxReadBufferLength ??
      defaults.maxReadBufferLength ??
      Math.max(DEFAULT_MAX_READ_BUFFER_LENGTH, config.maxStreamWindowSize),
    maxWriteBufferLength: options.maxWriteBufferLength ?? defaults.maxWriteBufferLength,
  }
}
