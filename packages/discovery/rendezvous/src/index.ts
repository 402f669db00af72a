/**
 * @weft/rendezvous: the libp2p rendezvous protocol (/rendezvous/1.0.0,
 * libp2p/specs rendezvous/README.md), both sides.
 *
 * - `rendezvousServer(init)`: a rendezvous point. Peers register themselves
 *   (a signed peer record) under a namespace for a ttl; others discover them
 *   with a limit and a cookie that returns only what is new. Bounded in count
 *   (`maxRegistrationsPerPeer`, `maxRegistrations`, `maxDiscoverLimit`) and
 *   in bytes: stored bytes per peer and in total (`maxBytesPerPeer`,
 *   `maxBytes`, `maxRecordSize`), the bytes of one DISCOVER answer
 *   (`maxResponseSize`: answers are paged by a byte budget too, and the
 *   cookie continues after the last registration sent) and the answers held
 *   for peers that do not read (`maxDiscoversPerPeer`,
 *   `maxPendingResponseBytes`). A limit hit is answered with the spec's
 *   status: E_INVALID_SIGNED_PEER_RECORD for a record too large,
 *   E_UNAVAILABLE for no room or too many answers in flight.
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
 * `maxRecordSize` = 8 KiB, `maxBytesPerPeer` = 1 MiB, `maxBytes` = 32 MiB
 * (stored bytes: records plus namespaces), `maxDiscoverLimit` = 1 000,
 * `maxResponseSize` = 1 MiB (at most 4 MiB, what the client accepts),
 * `maxDiscoversPerPeer` = 2, `maxPendingResponseBytes` = 8 MiB,
 * `maxMessageSize` = `maxRecordSize` + 1 KiB, `timeout` = 10 s,
 * `maxRequestsPerStream` = 100, `maxInboundStreams` = 8, `gcInterval` = 60 s.
 * Client options (`RendezvousInit`): `rendezvousPoints`, `namespaces`, `ttl`
 * = 7 200 s, `discoverInterval` = 60 s, `discoverLimit` = 100, `timeout` =
 * 10 s, `maxRegistrations` = 1 000 per answer (answers of at most 4 MiB;
 * cookies of at most 1 KiB).
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
export {
  DEFAULT_DISCOVER_INTERVAL,
  DEFAULT_DISCOVER_LIMIT,
  DEFAULT_GC_INTERVAL,
  DEFAULT_MAX_DISCOVERS_PER_PEER,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_PENDING_RESPONSE_BYTES,
  DEFAULT_MAX_REGISTRATIONS,
  DEFAULT_MAX_REQUESTS_PER_STREAM,
  DEFAULT_SERVER_MAX_RESPONSE_SIZE,
  DEFAULT_TIMEOUT,
  DEFAULT_TTL,
  MAX_NAMESPACES,
  MAX_POINTS,
  type RendezvousConfig,
  type RendezvousServerConfig,
  resolveClientConfig,
  resolveServerConfig,
} from './config.js'
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
