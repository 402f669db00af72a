/** Options of the perf service, their defaults (each written once) and their checks. */
import { checkInteger } from '@weft/utils'
import { DEFAULT_REPORT_INTERVAL, DEFAULT_WRITE_BLOCK_SIZE, MAX_WRITE_BLOCK_SIZE } from './exchange.js'
import { PROTOCOL_NAME } from './protocol.js'

/** 4 GiB: room for the usual 1 GiB benchmarks, not for an endless download */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024 * 1024
/** ten minutes per exchange, on either side */
export const DEFAULT_TIMEOUT = 600_000
export const DEFAULT_MAX_INBOUND_STREAMS = 32
export const DEFAULT_MAX_OUTBOUND_STREAMS = 32
/** inbound streams served at once over all connections: more connections must not mean more work */
export const DEFAULT_MAX_SERVED_STREAMS = 64

export interface PerfInit {
  /** protocol id (default '/perf/1.0.0') */
  protocolName?: string
  /** concurrent inbound perf streams per connection (default 32) */
  maxInboundStreams?: number
  /** concurrent outbound perf streams per connection (default 32) */
  maxOutboundStreams?: number
  /** inbound perf streams served at once over all connections (default 64); more are reset */
  maxServedStreams?: number
  /** serve and measure over limited (relayed) connections (default false: perf is heavy) */
  runOnLimitedConnection?: boolean
  /** bytes per `send()` when uploading or serving (default 64 KiB, at most 4 MiB) */
  writeBlockSize?: number
  /** the most bytes a client may ask this server for (default 4 GiB) */
  maxRequestBytes?: number
  /** milliseconds one exchange may take, server or client side (default 600 000) */
  timeout?: number
  /** milliseconds between `intermediary` reports (default 1000) */
  reportInterval?: number
}

/** `PerfInit` with every default filled in and checked. */
export interface PerfConfig {
  readonly protocolName: string
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly maxServedStreams: number
  readonly runOnLimitedConnection: boolean
  readonly writeBlockSize: number
  readonly maxRequestBytes: number
  readonly timeout: number
  readonly reportInterval: number
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: PerfInit = {}): PerfConfig {
  const writeBlockSize = checkInteger('writeBlockSize', init.writeBlockSize ?? DEFAULT_WRITE_BLOCK_SIZE, 1)
  if (writeBlockSize > MAX_WRITE_BLOCK_SIZE) {
    throw new RangeError(`writeBlockSize must be at most ${MAX_WRITE_BLOCK_SIZE}, got ${writeBlockSize}`)
  }
  const maxRequestBytes = init.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
  if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes < 0) {
    throw new RangeError(`maxRequestBytes must be a non-negative safe integer, got ${maxRequestBytes}`)
  }
  return {
    protocolName: init.protocolName ?? PROTOCOL_NAME,
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
    maxServedStreams: checkInteger(
      'maxServedStreams',
      init.maxServedStreams ?? DEFAULT_MAX_SERVED_STREAMS,
      1,
    ),
    runOnLimitedConnection: init.runOnLimitedConnection ?? false,
    writeBlockSize,
    maxRequestBytes,
    timeout: checkInteger('timeout', init.timeout ?? DEFAULT_TIMEOUT, 1),
    reportInterval: checkInteger('reportInterval', init.reportInterval ?? DEFAULT_REPORT_INTERVAL, 1),
  }
}
