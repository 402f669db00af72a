/**
 * @weft/dcutr: Direct Connection Upgrade through Relay (libp2p/specs
 * relay/DCUtR.md) with TCP simultaneous open.
 *
 * When a relayed connection arrives, the service coordinates a hole punch
 * over it (`Connect`, `Connect`, `Sync`, dial after half a round trip) and
 * both peers dial each other from the local port of their connection to the
 * relay, at the address the relay observed (identify). Endpoint-independent
 * NATs (Linux MASQUERADE, full cone) let the crossing SYNs through. Each side
 * also offers its listen ports on the observed IP and its public listen
 * addresses; the side that is the server of the new connection (B) dials the
 * peer's listen ports as a plain client too, so a full cone's forwarded listen
 * port is reached even from behind a symmetric NAT, and a round ends as soon
 * as any direct connection with the peer opens (a NATed peer dialing our
 * public listen address). A symmetric NAT opposite a port-restricted or
 * symmetric one leaves the connection relayed after `attempts` rounds. The
 * chosen path is reported by the `upgrade` event: `{ peer, outcome: 'direct'
 * | 'relay', attempts, connection?, error? }`.
 *
 * @example
 * ```ts
 * import { dcutr } from '@weft/dcutr'
 * const host = await createHost({
 *   ...base, // tcp(), circuitRelayTransport(), noise(), yamux()
 *   services: { identify: identify(), dcutr: dcutr() },
 * })
 * host.services.dcutr.addEventListener('upgrade', (evt) => console.log(evt.detail.outcome))
 * ```
 *
 * Options (`DCUtRInit`): `attempts` (3), `punchTimeout` (5 s),
 * `exchangeTimeout` (10 s), `relayGracePeriod` (5 s; -1 keeps the relayed
 * connection), `maxConcurrentUpgrades` (16), `maxAddresses` (4),
 * `unilateral` (true), `allowPrivateAddresses` (false).
 *
 * A peer's `Connect` names addresses for us to dial, so DCUtR answers only
 * on relayed connections (a stream on a direct one is reset unanswered),
 * dials only public addresses (private, loopback, link-local and other
 * special-purpose ranges need `allowPrivateAddresses`) that the connection
 * gater allows, at most `maxAddresses` of them once per round, answers at
 * most `attempts` rounds per relayed connection and one hole punch per peer
 * at a time.
 */
import { DCUtR, type DCUtRComponents, type DCUtRInit } from './dcutr-service.js'

export { isPublicTcp, isPunchableTcp, isRelayed, mayDial, punchAddresses, relayOf } from './addresses.js'
export {
  DCUtR,
  type DCUtRComponents,
  type DCUtREvents,
  type DCUtRInit,
  type UpgradeOutcome,
} from './dcutr-service.js'
export * from './errors.js'
export { HolePunch } from './holepunch.pb.js'
export { MAX_MESSAGE_SIZE, PROTOCOL } from './messages.js'

/** The DCUtR service: `services: { dcutr: dcutr() }` (needs identify and the circuit relay transport). */
export function dcutr(init: DCUtRInit = {}): (components: DCUtRComponents) => DCUtR {
  return (components) => new DCUtR(components, init)
}
