/**
 * @weft/dcutr: Direct Connection Upgrade through Relay (libp2p/specs
 * relay/DCUtR.md) with TCP simultaneous open and over QUIC.
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
 * `unilateral` (true), `allowPrivateAddresses` (false), `quicHeadStart`
 * (500 ms), `natInfo` (none: a
 * callback returning our NAT report), `predictionWindow` (6),
 * `upgradeRetries` (2) and `upgradeRetryDelay` (10 s, doubling),
 * `rungTimeout` (10 s), `birthday` (on: 256 sockets, 2 000 probes at
 * 500/s, 4 s; `false` turns it off).
 *
 * Punch planning (punch-plan.ts): with `natInfo`, each `Connect` carries our
 * NAT's mapping, filtering, port allocation and delta (nat-info.ts; field
 * 1001, skipped by other stacks). Both sides then agree: mapped ports between
 * cones, the observed port + delta × 1…window for a sequential NAT, a UDP
 * birthday search over QUIC (birthday.ts) when a randomising NAT faces a
 * filtering cone or a sequential NAT and both sides offer QUIC, no punch at
 * all otherwise when a randomising NAT faces one that filters (the
 * connection stays relayed at once). A relayed
 * connection that stays relayed is tried again in the background
 * (`upgradeRetries`).
 *
 * QUIC: with a QUIC listen address, each `Connect` also offers the QUIC
 * listening socket as peers see it (observed QUIC addresses, QUIC listen
 * ports on the relay-observed IP, public QUIC listen addresses; at most
 * `maxAddresses` per transport). Both sides dial the peer's QUIC addresses
 * from their listening sockets (@weft/quic dials from there), so the
 * Initials open each NAT the way the spec's random UDP packets do; when
 * both offered QUIC, the TCP dials wait `quicHeadStart` ms so QUIC wins.
 *
 * The service offers the `hole-punch` rung of @weft/host's connection ladder
 * (`[connectionLadderRungSymbol]`, ladder-rung.ts): a dial by peer id that
 * reaches the peer through a relay waits there for the punch.
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

export {
  isPublic,
  isPublicTcp,
  isPunchable,
  isPunchableQuic,
  isPunchableTcp,
  isRelayed,
  mayDial,
  punchAddresses,
  relayOf,
} from './addresses.js'
export {
  type BirthdayLimits,
  DEFAULT_BIRTHDAY,
  hitProbability,
  MAX_MAPPINGS,
  type Mapping,
  openMappings,
  PROBE,
  probePorts,
  SearchBudget,
  sprayProbes,
  type Target,
} from './birthday.js'
export {
  DCUtR,
  type DCUtRComponents,
  type DCUtREvents,
  type DCUtRInit,
  type UpgradeOutcome,
} from './dcutr-service.js'
export * from './errors.js'
export { HolePunch } from './holepunch.pb.js'
export {
  connectionLadderRungSymbol,
  HOLE_PUNCH_ORDER,
  type HolePunchRung,
  type RungContext,
} from './ladder-rung.js'
export { MAX_MESSAGE_SIZE, PROTOCOL } from './messages.js'
export {
  type Allocation,
  appendNatInfo,
  type Behaviour,
  NAT_INFO_FIELD,
  type NatInfo,
  readNatInfo,
} from './nat-info.js'
export { DEFAULT_PREDICTION_WINDOW, type PunchStrategy, planPunch, predictedPorts } from './punch-plan.js'

/** The DCUtR service: `services: { dcutr: dcutr() }` (needs identify and the circuit relay transport). */
export function dcutr(init: DCUtRInit = {}): (components: DCUtRComponents) => DCUtR {
  return (components) => new DCUtR(components, init)
}
