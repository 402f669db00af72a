/**
 * The public Mainline DHT's well-known routers. Nothing uses this list by
 * default: pass it as `bootstrap` to join the public network.
 */
import type { Address } from './address.js'

export const PUBLIC_BOOTSTRAP_NODES: readonly Address[] = Object.freeze([
  { host: 'router.bittorrent.com', port: 6881 },
  { host: 'router.utorrent.com', port: 6881 },
  { host: 'dht.transmissionbt.com', port: 6881 },
  { host: 'dht.libtorrent.org', port: 25401 },
])
