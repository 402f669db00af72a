/**
 * This folder's namespaces and peers: a veth pair of namespaces from
 * @weft/testkit, and peer.ts (weft from sources) bundled with esbuild and run
 * in them.
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

/** Bundles peer.ts into one file; returns its path. */
export function bundlePeer(): { file: string; remove(): void } {
  // datastore-level is loaded only for a LevelDB peer store, which the peer does not use
  return bundleScript(fileURLToPath(new URL('./peer.ts', import.meta.url)), {
    root,
    external: ['datastore-level'],
  })
}

/** Runs the bundled weft peer in `namespace`. */
export function spawnPeer(bundle: string, namespace: string, address: string): PeerProcess {
  return spawnInNamespace<PeerEvent>(namespace, [bundle, address], { cwd: root, label: 'weft peer' })
}
