import type { PeerUpdate } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { AddressManager, type AddressManagerInit } from '../src/address-manager.js'
import { resolveAddressManagerConfig } from '../src/config.js'
import { record, testPeer } from './fixtures/peer.js'

async function setup(init: AddressManagerInit = {}, listening: string[] = ['/ip4/127.0.0.1/tcp/4001']) {
  const peer = await testPeer()
  const addrs: Multiaddr[] = listening.map((address) => multiaddr(address))
  const manager = new AddressManager(
    { ...peer, transportManager: { getAddrs: () => addrs } },
    resolveAddressManagerConfig(init),
  )
  return { peer, manager, addrs }
}

describe('AddressManager', () => {
  it('announces the listen addresses, each ending in our peer id', async () => {
    const { peer, manager } = await setup()
    expect(manager.getListenAddrs().map(String)).toEqual(['/ip4/127.0.0.1/tcp/4001'])
    expect(manager.getAddresses().map(String)).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${peer.peerId}`])
  })

  it('announce replaces, appendAnnounce adds, noAnnounce removes, announceFilter has the last say', async () => {
    const { peer, manager } = await setup({
      announce: ['/dns4/example.com/tcp/443/wss', '/ip4/192.0.2.1/tcp/4001'],
      appendAnnounce: ['/ip4/198.51.100.1/tcp/4001'],
      noAnnounce: ['/ip4/192.0.2.1/tcp/4001'],
      announceFilter: (addresses) => addresses.filter((address) => !address.toString().includes('198.51')),
    })
    expect(manager.getAnnounceAddrs().map(String)).toHaveLength(2)
    expect(manager.getAddresses().map(String)).toEqual([`/dns4/example.com/tcp/443/wss/p2p/${peer.peerId}`])
  })

  it('keeps observed addresses bounded and announces only confirmed ones', async () => {
    const { manager } = await setup({ maxObservedAddresses: 2 })
    for (const i of [1, 2, 3]) manager.addObservedAddr(multiaddr(`/ip4/203.0.113.${i}/tcp/4001`))
    expect(manager.getObservedAddrs().map(String)).toEqual([
      '/ip4/203.0.113.2/tcp/4001',
      '/ip4/203.0.113.3/tcp/4001',
    ])
    expect(manager.getAddresses()).toHaveLength(1)
    manager.confirmObservedAddr(multiaddr('/ip4/203.0.113.3/tcp/4001'))
    expect(manager.getAddresses().map((address) => address.toString().split('/p2p/')[0])).toEqual([
      '/ip4/127.0.0.1/tcp/4001',
      '/ip4/203.0.113.3/tcp/4001',
    ])
    manager.removeObservedAddr(multiaddr('/ip4/203.0.113.3/tcp/4001'))
    expect(manager.getAddresses()).toHaveLength(1)
  })

  it('records our addresses in the peer store when a transport starts or stops listening', async () => {
    const { peer, addrs } = await setup()
    const updates = record<PeerUpdate>(peer.events, 'self:peer:update')
    peer.events.dispatchEvent(new CustomEvent('transport:listening'))
    await delay(10)
    expect(updates).toHaveLength(1)
    const self = await peer.peerStore.get(peer.peerId)
    // the peer store keeps an address without the trailing /p2p/<its own peer>
    expect(self.addresses.map((address) => address.multiaddr.toString())).toEqual(['/ip4/127.0.0.1/tcp/4001'])
    // nothing changed: no second update
    peer.events.dispatchEvent(new CustomEvent('transport:listening'))
    await delay(10)
    expect(updates).toHaveLength(1)
    addrs.length = 0
    peer.events.dispatchEvent(new CustomEvent('transport:close'))
    await delay(10)
    expect(updates).toHaveLength(2)
  })
})
