/**
 * @weft/perf: the libp2p perf protocol (`/perf/1.0.0`, libp2p/specs
 * perf/perf.md). The client sends the number of bytes it wants back as a
 * big-endian uint64, uploads some bytes and closes its write side; the server
 * discards the upload, then sends the requested bytes and closes. Both sides
 * count bytes without copying them and honour back-pressure.
 *
 * A service in the js-libp2p shape (a weft host or `createLibp2p`):
 *
 * ```ts
 * import { perf } from '@weft/perf'
 *
 * const host = await createHost({ ..., services: { perf: perf() } })
 * for await (const output of host.services.perf.measurePerformance(addr, 1 << 30, 1 << 30)) {
 *   console.log(output) // { type: 'connection' | 'stream' | 'intermediary' | 'final', timeSeconds, uploadBytes, downloadBytes }
 * }
 * ```
 *
 * Without a host, `runPerf(stream, sendBytes, recvBytes)` measures over any
 * open stream and `servePerf(stream, { maxRequestBytes, block })` serves one.
 *
 * Options (`PerfInit`): `protocolName` ('/perf/1.0.0'), `maxInboundStreams` /
 * `maxOutboundStreams` (per connection; 32), `maxServedStreams` (inbound
 * streams served at once over all connections; 64), `runOnLimitedConnection`
 * (false), `writeBlockSize` (bytes per send; 64 KiB, at most 4 MiB),
 * `maxRequestBytes` (largest download a client may ask of us; 4 GiB),
 * `timeout` (ms per exchange on either side; 600 000), `reportInterval` (ms
 * between intermediary reports; 1000).
 *
 * Errors: `RequestTooLargeError` (server, request over `maxRequestBytes`),
 * `TooManyServedStreamsError` (server, a stream over `maxServedStreams`),
 * `UnexpectedEOFError` (header or download cut short), `InvalidMessageError`
 * (the server sent more than asked), `TimeoutError`, `PerfServiceStoppedError`.
 * Like every perf implementation, do not enable the server on public hosts:
 * it lets clients make it send gigabytes.
 */
import type { PerfInit } from './config.js'
import { type PerfComponents, PerfService } from './perf-service.js'

export { ByteSink, type ByteSinkInit, sendRepeated } from './byte-sink.js'
export {
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_SERVED_STREAMS,
  DEFAULT_TIMEOUT,
  type PerfConfig,
  type PerfInit,
  resolveConfig,
} from './config.js'
export * from './errors.js'
export {
  DEFAULT_REPORT_INTERVAL,
  DEFAULT_WRITE_BLOCK_SIZE,
  type ExchangeResult,
  MAX_WRITE_BLOCK_SIZE,
  type RunPerfOptions,
  runPerf,
  type ServePerfOptions,
  servePerf,
} from './exchange.js'
export { type Perf, type PerfComponents, type PerfOptions, PerfService } from './perf-service.js'
export {
  decodeRequest,
  encodeRequest,
  HEADER_LENGTH,
  type PerfOutput,
  PROTOCOL_NAME,
  ProgressClock,
  RequestParser,
} from './protocol.js'

/** The perf service factory: `perf(init)(components)`. */
export function perf(init: PerfInit = {}): (components: PerfComponents) => PerfService {
  return (components) => new PerfService(components, init)
}
