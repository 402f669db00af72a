/**
 * @weft/autonat: AutoNAT v1 (libp2p/specs autonat/autonat-v1.md) — is this
 * host reachable from the internet? Client and server in one service.
 *
 * The client asks peers that speak `/libp2p/autonat/1.0.0` (learnt through
 * identify) to dial it back; `threshold` agreeing answers decide
 * `autonat.reachability` (`'unknown' | 'public' | 'private'`), announced by a
 * `reachability:change` event on the service and a `weft:reachability` event
 * on the host. Addresses a server reached are confirmed with the address
 * manager. The server dials requesters back only on the IP it sees them
 * connect from, never over relayed connections, never at a private,
 * loopback or other special-purpose IP unless `allowPrivateAddresses`, one
 * dial-back per peer at a time and at most `maxDialBacksPerPeer` per peer and
 * `maxDialBacksPerMinute` in all per minute (v1 and v2 alike).
 *
 * @example
 * ```ts
 * import { autoNAT } from '@weft/autonat'
 * const host = await createHost({ ...base, services: { identify: identify(), autonat: autoNAT() } })
 * host.services.autonat.addEventListener('reachability:change', (evt) => console.log(evt.detail))
 * await host.services.autonat.check(serverPeerId) // { status: 'OK', reachable: true, address }
 * ```
 *
 * Options (`AutoNATInit`): `server` (true), `dialTimeout` (15 s),
 * `maxConcurrentDialBacks` (4), `maxAddressesPerRequest` (16), `threshold`
 * (3), `refreshInterval` (15 min), `maxServersPerRound` (4), `requestTimeout`
 * (30 s), `maxKnownServers` (64), `maxDialBacksPerPeer` (3 a minute),
 * `maxDialBacksPerMinute` (30), `allowPrivateAddresses` (false).
 *
 * AutoNAT v2 (autonat/autonat-v2.md), `autoNATv2()`: `check(peer, addrs)`
 * asks one server about one of `addrs` and returns `{ status, address,
 * dialStatus, reachable, dialDataSent }`; `reachable` is true only when the
 * server's dial-back carried our nonce. Dialing another IP than the one the
 * client is seen at costs `dialDataBytes` (30 000) of dial data; the client
 * pays up to `maxDialDataBytes` (100 000). The server refuses private
 * addresses unless `allowPrivateAddresses`. Each verdict counts towards the
 * address's reachability: the last `resultsPerAddress` (5) results, one per
 * server, decide `reachable` or `unreachable` once `confidence` (3) more
 * servers agree than disagree; `reachabilityOf(address)` and
 * `getAddressReachability()` read it and a `reachability:address` event
 * (`{ address, reachability, confidence }`) tells each change.
 */
import { AutoNAT, type AutoNATComponents, type AutoNATInit } from './autonat-service.js'
import { AutoNATv2, type AutoNATv2Components, type AutoNATv2Init } from './autonat-v2-service.js'

export {
  AddressConfidence,
  type AddressConfidenceInit,
  type AddressReachability,
  type AddressVerdict,
} from './address-confidence.js'
export { dialBackCandidates, ipOf, isPrivateIp } from './addresses.js'
export { Message } from './autonat.pb.js'
export {
  AutoNAT,
  type AutoNATComponents,
  type AutoNATEvents,
  type AutoNATInit,
  type CheckResult,
} from './autonat-service.js'
export {
  DialBack,
  DialBackResponse,
  DialDataRequest,
  DialDataResponse,
  DialRequest,
  DialResponse,
  DialStatus,
  Message as MessageV2,
} from './autonat-v2.pb.js'
export {
  type AddressCheck,
  type AddressReachabilityChange,
  AutoNATv2,
  type AutoNATv2Components,
  type AutoNATv2Events,
  type AutoNATv2Init,
  DIAL_BACK_PROTOCOL,
  DIAL_REQUEST_PROTOCOL,
} from './autonat-v2-service.js'
export { DialBudget, type DialBudgetInit } from './dial-budget.js'
export * from './errors.js'
export { MAX_MESSAGE_SIZE, PROTOCOL } from './messages.js'
export { type Reachability, ReachabilityTracker, type ReachabilityTrackerInit } from './reachability.js'

/** The AutoNAT v2 service: `services: { autonatV2: autoNATv2() }`; `check(peer, addrs)` per address. */
export function autoNATv2(init: AutoNATv2Init = {}): (components: AutoNATv2Components) => AutoNATv2 {
  return (components) => new AutoNATv2(components, init)
}

/** The AutoNAT service: `services: { autonat: autoNAT() }`. */
export function autoNAT(init: AutoNATInit = {}): (components: AutoNATComponents) => AutoNAT {
  return (components) => new AutoNAT(components, init)
}
