import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type PeerDiscoveryEvents,
  type PeerInfo,
  peerDiscoverySymbol,
  TypedEventEmitter,
} from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { delay } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { HostInit } from '../src/host.js'
import { withoutPeerId } from '../src/internal/addresses.js'
import { stopAll, tcpHost } from './fixtures/hosts.js'

/** A discovery module the test drives by hand. */
class ManualDiscovery extends TypedEventEmitter<PeerDiscoveryEvents> {
  readonly [peerDiscoverySymbol] = this
  announce(info: PeerInfo): void {
    this.safeDispatchEvent('peer', { detail: info })
  }
}

function withDiscovery(discovery: ManualDiscovery, init: HostInit = {}): HostInit {
  return { ...init, services: { discovery: () => discovery } }
}

async function until(condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(20)
  }
}

const dirs: string[] = []
afterEach(async () => {
  await stopAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('peer discovery wiring and the low watermark', () => {
  it('puts discovered peers in the peer store, emits peer:discovery and dials them below minConnections', async () => {
    const discovery = new ManualDiscovery()
    const host = await tcpHost(withDiscovery(discovery))
    const other = await tcpHost()
    const seen: PeerInfo[] = []
    host.addEventListener('peer:discovery', (evt) => seen.push(evt.detail))
    discovery.announce({ id: host.peerId, multiaddrs: host.getMultiaddrs() })
    discovery.announce({ id: other.peerId, multiaddrs: other.getMultiaddrs() })
    await until(() => seen.length === 1)
    expect(seen[0]!.id.equals(other.peerId)).toBe(true)
    const stored = await host.peerStore.get(other.peerId)
    // one entry per address: the one the auto-dial reached (without /p2p) is the same entry
    expect(stored.addresses.map((address) => address.multiaddr.toString()).sort()).toEqual(
      other
        .getMultiaddrs()
        .map((address) => withoutPeerId(address).toString())
        .sort(),
    )
    await until(() => host.getConnections(other.peerId).length > 0)
  })

  it('does not dial with minConnections 0, and ignores discovery after stop', async () => {
    const discovery = new ManualDiscovery()
    const host = await tcpHost(withDiscovery(discovery, { connectionManager: { minConnections: 0 } }))
    const other = await tcpHost()
    const seen: PeerInfo[] = []
    host.addEventListener('peer:discovery', (evt) => seen.push(evt.detail))
    discovery.announce({ id: other.peerId, multiaddrs: other.getMultiaddrs() })
    await until(() => seen.length === 1)
    await delay(300)
    expect(host.getConnections()).toHaveLength(0)
    await host.stop()
    discovery.announce({ id: other.peerId, multiaddrs: other.getMultiaddrs() })
    await delay(50)
    expect(seen).toHaveLength(1)
  })

  it('keeps its peer store in the given datastore', async () => {
    const datastore = new MemoryDatastore()
    const discovery = new ManualDiscovery()
    const host = await tcpHost(
      withDiscovery(discovery, { datastore, connectionManager: { minConnections: 0 } }),
    )
    const other = await tcpHost()
    discovery.announce({ id: other.peerId, multiaddrs: other.getMultiaddrs() })
    await until(async () => host.peerStore.has(other.peerId))
    const keys: string[] = []
    for await (const key of datastore.queryKeys({ prefix: '/weft/peers/' })) keys.push(key.toString())
    expect(keys).toContain(`/weft/peers/${other.peerId.toString()}`)
  })

  it('with a LevelDB peer store, remembers its peers across a restart and reconnects to them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-peer-store-'))
    dirs.push(dir)
    const privateKey = await generateKeyPair('Ed25519')
    const other = await tcpHost()
    const first = await tcpHost({ privateKey, peerStore: { path: dir } })
    await first.peerStore.merge(other.peerId, {
      multiaddrs: other.getMultiaddrs(),
      tags: { friend: { value: 60 } },
    })
    await first.dial(other.peerId)
    await first.stop()
    await until(() => other.getConnections().length === 0)

    const second = await tcpHost({ privateKey, peerStore: { path: dir } })
    expect(second.peerId.equals(first.peerId)).toBe(true)
    const remembered = await second.peerStore.get(other.peerId)
    expect(remembered.tags.get('friend')?.value).toBe(60)
    expect(remembered.addresses.length).toBeGreaterThan(0)
    await until(() => second.getConnections(other.peerId).length > 0)
    await second.stop()
  })
})
