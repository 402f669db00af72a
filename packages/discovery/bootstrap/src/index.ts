/**
 * @weft/bootstrap: dials a configured list of peers at start and again
 * whenever their connection drops, with exponential backoff. Each peer is
 * announced as a `'peer'` discovery event (the host merges it into its peer
 * store and re-emits `peer:discovery`) and tagged so the connection manager
 * prunes it last.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { bootstrap } from '@weft/bootstrap'
 *
 * const host = await createHost({
 *   transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
 *   services: {
 *     bootstrap: bootstrap({ list: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…'] }),
 *   },
 * })
 * ```
 *
 * Options (`BootstrapInit`): `list` (multiaddrs with `/p2p/<id>`, at most
 * 256), `timeout` = 1 000 ms (delay after start), `tagName` = 'bootstrap',
 * `tagValue` = 50, `tagTTL` = 120 000 ms, `retryDelay` = 1 000 ms (doubling
 * per failure), `maxRetryDelay` = 60 000 ms.
 */
import { Bootstrap, type BootstrapComponents } from './bootstrap.js'
import type { BootstrapInit } from './config.js'

export { Bootstrap, type BootstrapComponents } from './bootstrap.js'
export {
  type BootstrapConfig,
  type BootstrapInit,
  DEFAULT_MAX_RETRY_DELAY,
  DEFAULT_RETRY_DELAY,
  DEFAULT_TAG_NAME,
  DEFAULT_TAG_TTL,
  DEFAULT_TAG_VALUE,
  DEFAULT_TIMEOUT,
  MAX_BOOTSTRAP_ENTRIES,
  resolveConfig,
} from './config.js'
export { BootstrapStoppedError } from './errors.js'

export function bootstrap(init: BootstrapInit): (components: BootstrapComponents) => Bootstrap {
  return (components) => new Bootstrap(components, init)
}
