/**
 * @weft/multistream: multistream-select 1.0, the negotiation that picks the
 * protocol spoken on a libp2p connection or stream
 * (https://github.com/multiformats/multistream-select; libp2p/specs
 * connections/README.md, "Protocol Negotiation"). Works on any
 * `MessageStream` of @libp2p/interface 3.x, weft's or js-libp2p's.
 *
 * - `select(stream, protocols, options?)`: the dialer; proposes `protocols` in
 *   order, resolves to the one the listener accepted. Header and first
 *   proposal leave in one write. With one protocol and
 *   `negotiateFully: false` it is optimistic: it resolves at once and the
 *   listener's answer is consumed later, invisibly; an "na" then aborts the
 *   stream with `UnsupportedProtocolError`.
 * - `handle(stream, protocols, options?)`: the listener; answers header and
 *   proposal in one write, answers "ls" with its list, resolves to the agreed
 *   protocol.
 * Either way the same stream is then used for the protocol, and bytes read
 * past the negotiation are handed back to it with `unshift()`. On failure
 * the stream is aborted and the error thrown.
 *
 * @example
 * ```ts
 * import { handle, select } from '@weft/multistream'
 * import { streamPair } from '@weft/utils'
 *
 * const [outbound, inbound] = streamPair()
 * const [dialed, handled] = await Promise.all([
 *   select(outbound, ['/echo/2.0.0', '/echo/1.0.0'], { signal: AbortSignal.timeout(5000) }),
 *   handle(inbound, ['/echo/1.0.0'], { signal: AbortSignal.timeout(5000) }),
 * ])
 * // dialed === handled === '/echo/1.0.0'
 * ```
 *
 * Options: `signal` (both), `log` (both; defaults to the stream's),
 * `maxMessageLength` (both; 1024 by default, at most 65535), `negotiateFully`
 * (select; true by default), `maxProposals` (handle; 32 by default).
 */
export { PROTOCOL_ID } from './codec.js'
export * from './errors.js'
export { type HandleOptions, handle } from './handle.js'
export { type SelectOptions, select } from './select.js'
