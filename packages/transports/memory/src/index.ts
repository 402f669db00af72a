/**
 * @weft/memory: an in-process transport for tests and simulation.
 *
 * Listeners claim `/memory/<name>` in a process-wide registry; dialling that
 * address gives both sides joined @libp2p/interface 3.x
 * `MultiaddrConnection`s that behave like a TCP connection: ordered bytes,
 * back-pressure, FIN and reset, with an optional one-way `latency` and a
 * `capacity` (bytes in flight per direction). Any name the multiaddr parser
 * accepts works; a trailing `/p2p/<peer-id>` is allowed when dialling.
 *
 * @example
 * ```ts
 * import { memory } from '@weft/memory'
 * import { defaultLogger } from '@weft/utils'
 * import { multiaddr } from '@multiformats/multiaddr'
 *
 * const transport = memory({ latency: 5 })({ logger: defaultLogger() })
 * const listener = transport.createListener({ upgrader })
 * await listener.listen(multiaddr('/memory/alice'))
 * const connection = await transport.dial(multiaddr('/memory/alice'), {
 *   upgrader,
 *   signal: AbortSignal.timeout(5_000),
 * })
 * ```
 *
 * Options (`MemoryInit`, all optional): `latency` (0 ms; a dial takes two),
 * `capacity` (256 KiB), `closeTimeout` (500 ms), `maxConnections` per
 * listener (1024), `maxReadBufferLength`, `maxWriteBufferLength`,
 * `registry` (a `MemoryRegistry` for an isolated network; default: shared).
 * Between two transports with different settings, the higher latency and the
 * smaller capacity apply. The upgrader bounds an inbound upgrade and aborts a
 * connection whose upgrade failed (the host:
 * `connectionManager.inboundUpgradeTimeout`).
 */
import type { Transport } from '@libp2p/interface'
import type { MemoryInit } from './config.js'
import { type MemoryComponents, MemoryTransport } from './transport.js'

export { isMemoryAddr, memoryName } from './address.js'
export {
  DEFAULT_CAPACITY,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_LATENCY,
  DEFAULT_MAX_CONNECTIONS,
  type MemoryConfig,
  type MemoryInit,
  resolveConfig,
} from './config.js'
export {
  MemoryConnection,
  type MemoryConnectionInit,
  type MemoryPairInit,
  memoryConnectionPair,
} from './connection.js'
export * from './errors.js'
export { MemoryListener } from './listener.js'
export { DEFAULT_MAX_LISTENERS, defaultRegistry, MemoryRegistry } from './registry.js'
export type { MemoryComponents } from './transport.js'
export { MemoryTransport }

/** The memory transport factory: `memory(init)(components)`. */
export function memory(init: MemoryInit = {}): (components: MemoryComponents) => Transport {
  return (components) => new MemoryTransport(init, components)
}
