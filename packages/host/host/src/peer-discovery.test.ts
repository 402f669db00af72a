import {
  type Libp2pEvents,
  type PeerDiscoveryEvents,
  type PeerInfo,
  peerDiscoverySymbol,
  TypedEventEmitter,
} from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { resolvePeerDiscoveryConfig } from './config.js'
import { findDiscoveries, PeerDiscoveryRelay } from './peer-discovery.js'
import { PeerStore } from './peer-store/peer-store.js'

/** a connection manager with no connections: no peer is protected from eviction */
const noConnections = { getConnectionsMap: () => new Map<string, unknown>() }

class Discovery extends TypedEventEmitter<PeerDiscoveryEvents> {
  readonly [peerDiscoverySymbol] = this
}

const newId = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('PeerDiscoveryRelay', () => {
  it('finds discovery services by their symbol only', () => {
    const discovery = new Discovery()
    expect(findDiscoveries({ a: discovery, b: {}, c: null, d: 3 })).toEqual([discovery])
  })

  it('records peers, re-emits them, caps addresses, and ignores itself, junk and events after stop', async () => {
    const [self, other] = await Promise.all([newId(), newId()])
    const events = new TypedEventEmitter<Libp2pEvents>()
    const logger = defaultLogger()
    const peerStore = new PeerStore({ peerId: self, logger, events, connectionManager: noConnections })
    const discovery = new Discovery()
    const relay = new PeerDiscoveryRelay(
      { peerId: self, peerStore, events, logger },
      [discovery],
      resolvePeerDiscoveryConfig({ maxAddresses: 2 }),
    )
    const seen: PeerInfo[] = []
    events.addEventListener('peer:discovery', (evt) => seen.push(evt.detail))
    const addresses = [1, 2, 3].map((i) => multiaddr(`/ip4/10.0.0.${i}/tcp/1`))
    discovery.safeDispatchEvent('peer', { detail: { id: other, multiaddrs: addresses } })
    relay.start()
    discovery.safeDispatchEvent('peer', { detail: { id: self, multiaddrs: addresses } })
    discovery.safeDispatchEvent('peer', {
      detail: { id: 'not a peer id', multiaddrs: [] } as unknown as PeerInfo,
    })
    discovery.safeDispatchEvent('peer', {
      detail: { id: other, multiaddrs: [...addresses, 'junk'] } as never,
    })
    await delay(20)
    expect(seen).toHaveLength(1)
    expect(seen[0]!.multiaddrs).toHaveLength(2)
    expect((await peerStore.get(other)).addresses).toHaveLength(2)
    expect(await peerStore.has(self)).toBe(false)
    relay.stop()
    discovery.safeDispatchEvent('peer', { detail: { id: other, multiaddrs: addresses } })
    await delay(20)
    expect(seen).toHaveLength(1)
  })
})
