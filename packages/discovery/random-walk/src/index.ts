/**
 * @weft/random-walk: discovers peers by looking up random keys through the
 * host's peer routing (a DHT such as @weft/kad-dht), as py-libp2p's random
 * walk and js-libp2p's kad-dht random walk do. Every `interval` one lookup
 * runs (`getClosestPeers` of a random key, else `findPeer` of a random peer
 * id); each peer it meets is merged into the peer store and announced as a
 * `'peer'` discovery event (the host re-emits it as `peer:discovery`, which
 * the auto-dialer acts on). Walks that find nobody back off.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { identify } from '@weft/identify'
 * import { kadDHT } from '@weft/kad-dht'
 * import { randomWalk } from '@weft/random-walk'
 *
 * const host = await createHost({
 *   ..., services: { identify: identify(), dht: kadDHT(), randomWalk: randomWalk({ interval: 30_000 }) },
 * })
 * host.addEventListener('peer:discovery', (evt) => console.log('found', evt.detail.id.toString()))
 * ```
 *
 * Options (`RandomWalkInit`): `interval` = 60 000 ms (between walks),
 * `firstDelay` = 1 000 ms (after start), `lookupTimeout` = 10 000 ms (a walk
 * is aborted after it), `maxPeersPerWalk` = 20 (at most 1 000),
 * `pauseAtConnections` (no walk while the host has at least this many
 * connections; default: never pause), `retryDelay` = 2 000 ms (after a walk
 * that found nobody or failed; doubling), `maxRetryDelay` = 300 000 ms.
 * Bad options throw a RangeError naming the option. Logs under
 * `weft:random-walk`.
 *
 * Errors: `NoPeerRoutingError` (start without `components.peerRouting`),
 * `RandomWalkStoppedError` (a walk aborted by `stop()`), `TimeoutError`.
 */
import type { RandomWalkInit } from './config.js'
import { RandomWalk, type RandomWalkComponents } from './random-walk.js'

export {
  DEFAULT_FIRST_DELAY,
  DEFAULT_INTERVAL,
  DEFAULT_LOOKUP_TIMEOUT,
  DEFAULT_MAX_PEERS_PER_WALK,
  DEFAULT_MAX_RETRY_DELAY,
  DEFAULT_RETRY_DELAY,
  MAX_DELAY,
  MAX_PEERS_PER_WALK,
  nextDelay,
  type RandomWalkConfig,
  type RandomWalkInit,
  resolveConfig,
} from './config.js'
export { NoPeerRoutingError, RandomWalkStoppedError } from './errors.js'
export { RandomWalk, type RandomWalkComponents } from './random-walk.js'
export type { WalkRouting } from './walk.js'

/** The random-walk service factory: `randomWalk(init)(components)`. */
export function randomWalk(init: RandomWalkInit = {}): (components: RandomWalkComponents) => RandomWalk {
  return (components) => new RandomWalk(components, init)
}
