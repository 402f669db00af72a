/**
 * @weft/rendezvous: the libp2p rendezvous protocol (/rendezvous/1.0.0,
 * libp2p/specs rendezvous/README.md), both sides.
 *
 * - `rendezvousServer(init)`: a rendezvous point. Peers register themselves
 *   (a signed peer record) under a namespace for a ttl; others discover them
 *   with a limit and a cookie that returns only what is new. Bounded by
 *   `maxRegistrationsPerPeer`, `maxRegistrations`, `maxDiscoverLimit`, ttl
 *   bounds and namespace length.
 * - `rendezvous(init)`: the client. `register(point, ns, { ttl })`,
 *   `unregister(point, ns)`, `discover(point, { namespace, limit, cookie })`;
 *   and, as a peer discovery module, automatic registration under
 *   `namespaces` at `rendezvousPoints` with periodic discovery.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { rendezvous, rendezvousServer } from '@weft/rendezvous'
 *
 * const point = await createHost({ …, services: { rendezvous: rendezvousServer() } })
 * const host = await createHost({
 *   …,
 *   services: {
 *     rendezvous: rendezvous({
 *       rendezvousPoints: [point.getMultiaddrs()[0].toString()],
 *       namespaces: ['my-app'],
 *     }),
 *   },
 * })
 * host.addEventListener('peer:discovery', (evt) => console.log(evt.detail.id.toString()))
 * ```
 *
 * Server options (`RendezvousServerInit`): `minTtl` = 7 200 s, `maxTtl` =
 * 259 200 s, `defaultTtl` = 7 200 s, `maxNamespaceLength` = 255,
 * `maxRegistrationsPerPeer` = 1 000, `maxRegistrations` = 100 000,
 * `maxDiscoverLimit` = 1 000, `maxMessageSize` = 80 KiB, `timeout` = 10 s,
 * `maxRequestsPerStream` = 100, `maxInboundStreams` = 8, `gcInterval` = 60 s.
 * Client options (`RendezvousInit`): `rendezvousPoints`, `namespaces`, `ttl`
 * = 7 200 s, `discoverInterval` = 60 s, `discoverLimit` = 100, `timeout` =
 * 10 s, `maxRegistrations` = 1 000.
 */
import { Rendezvous, type RendezvousComponents, type RendezvousInit } from './client.js'
import { RendezvousServer, type RendezvousServerComponents, type RendezvousServerInit } from './server.js'

export {
  type DiscoveredRegistration,
  type DiscoverOptions,
  type DiscoverResult,
  Rendezvous,
  type RendezvousComponents,
  type RendezvousInit,
} from './client.js'
export { InvalidMessageError, RendezvousError, RendezvousStoppedError } from './errors.js'
export {
  DEFAULT_REGISTRATION_LIMITS,
  type Registration,
  type RegistrationLimits,
  RegistrationRefusedError,
  Registrations,
} from './registrations.js'
export { Message } from './rendezvous.pb.js'
export { RendezvousServer, type RendezvousServerComponents, type RendezvousServerInit } from './server.js'
export { PROTOCOL } from './wire.js'

export function rendezvous(init: RendezvousInit = {}): (components: RendezvousComponents) => Rendezvous {
  return (components) => new Rendezvous(components, init)
}

export function rendezvousServer(
  init: RendezvousServerInit = {},
): (components: RendezvousServerComponents) => RendezvousServer {
  return (components) => new RendezvousServer(components, init)
}
