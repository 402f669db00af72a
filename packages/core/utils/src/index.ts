/**
 * @weft/utils: the pieces every weft package shares.
 *
 * - `AbstractMessageStream`, `AbstractStream`, `AbstractMultiaddrConnection`:
 *   weft's implementation of @libp2p/interface 3.x message streams;
 * - `StreamReader` / `sendAll`: pull-style reading and drain-aware writing on
 *   any message stream;
 * - varints, length-prefixed framing, a bounded protobuf reader and writer
 *   (`ProtobufReader`, `ProtobufWriter`), `concatBytes` / `equalBytes`;
 * - `LightEventTarget`: a small `TypedEventTarget` for per-connection objects,
 *   and `endOnListenerError` for those whose throwing listener must end them;
 * - `MemoryScope` / `ResourceScopes`: what a muxer or service needs of the
 *   host's resource manager to reserve memory before it buffers, and
 *   `MemoryReservation`, one stream's reservations released exactly once;
 * - signals (`anySignal`, `raceSignal`, `delay`, `deferred`), a
 *   `DEBUG`-driven logger, and `streamPair()` for tests.
 *
 * @example
 * ```ts
 * import { streamPair, StreamReader } from '@weft/utils'
 * const [a, b] = streamPair()
 * a.send(new TextEncoder().encode('hi'))
 * const bytes = await new StreamReader(b).readExact(2)
 * ```
 */
export * from './bytes.js'
export * from './counting-scope.js'
export * from './errors.js'
export * from './event-target.js'
export * from './inbound-upgrade.js'
export * from './ip-ranges.js'
export * from './length-prefixed.js'
export * from './listener-base.js'
export * from './logger.js'
export * from './message-stream.js'
export * from './muxer-events.js'
export * from './options.js'
export * from './progress.js'
export * from './protobuf.js'
export * from './protocol-handler.js'
export * from './resource-scope.js'
export * from './signals.js'
export * from './stream.js'
export * from './stream-pair.js'
export * from './stream-reader.js'
export * from './varint.js'
export * from './wildcard.js'
export * from './wrap-upgrader.js'
