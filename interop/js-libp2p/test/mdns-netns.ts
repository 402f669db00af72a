/**
 * The mDNS interop test's namespaces and peers: a veth pair of namespaces
 * from @weft/testkit, and mdns-peer.ts (weft from sources, js-libp2p from
 * node_modules) bundled with esbuild and run in them.
 */
import { fileURLToPath } from 'node:url'
import { bundleScript, type NamespaceProcess, spawnInNamespace } from '@weft/testkit'

export { createVethNetwork, type VethNetwork } from '@weft/testkit'

const root = fileURLToPath(new URL('../../../', import.meta.url))

export interface PeerEvent {
  event: 'ready' | 'discovered' | 'connected'
  peerId: string
  addrs?: string[]
}

export type PeerProcess = NamespaceProcess<PeerEvent>

/** Bundles mdns-peer.ts into one file; returns its path. */
export function bundlePeer(): { file: string; remove(): void } {
  // datastore-level is loaded only for a LevelDB peer store, which the peer does not use
  return bundleScript(fileURLToPath(new URL('./mdns-peer.ts', import.meta.url)), {
    root,
    external: ['datastore-level'],
  })
}

/** Runs the bundled peer in `namespace` as weft, js-libp2p, or js-libp2p with weft's mdns. */
export function spawnPeer(
  bundle: string,
  namespace: string,
  impl: 'weft' | 'js' | 'js-weft-mdns',
  address: string,
): PeerProcess {
  return spawnInNamespace<PeerEvent>(
    namespace,
    ['--import', `${root}interop/polyfill.mjs`, bundle, impl, address],
    { cwd: root, label: `${impl} peer` },
  )
}
