import type { MultiaddrConnection, Upgrader } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConnectionManagerInit, resolveConnectionManagerConfig } from '../src/config.js'
import { ConnectionManager } from '../src/connection-manager.js'
import { testPeer } from './fixtures/peer.js'

const managers: ConnectionManager[] = []
afterEach(async () => {
  await Promise.all(managers.splice(0).map(async (manager) => manager.stop()))
})

async function manager(init: ConnectionManagerInit = {}): Promise<ConnectionManager> {
  const peer = await testPeer()
  const connectionManager = new ConnectionManager(
    {
      ...peer,
      transportManager: {
        dial: async () => Promise.reject(new Error('no dials')),
        dialTransportForMultiaddr: () => undefined,
      },
      addressManager: { getListenAddrs: () => [] },
      upgrader: {} as Upgrader,
    },
    resolveConnectionManagerConfig({ minConnections: 0, ...init }),
  )
  connectionManager.start()
  managers.push(connectionManager)
  return connectionManager
}

function inbound(address: string): MultiaddrConnection {
  return { remoteAddr: multiaddr(address) } as unknown as MultiaddrConnection
}

describe('inbound upgrades pending per remote address', () => {
  it('admits at most 3 pending upgrades from one IP by default; other IPs keep their slots', async () => {
    const cm = await manager()
    const attacker = Array.from({ length: 5 }, (_, i) => inbound(`/ip4/127.0.0.2/tcp/${5000 + i}`))
    expect(attacker.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
    expect(cm.acceptIncomingConnection(inbound('/ip4/127.0.0.1/tcp/6000'))).toBe(true)
    expect(cm.acceptIncomingConnection(inbound('/ip6/::1/tcp/6000'))).toBe(true)
    // an upgrade that ends gives its address's slot back
    cm.afterUpgradeInbound(attacker[0])
    expect(cm.acceptIncomingConnection(attacker[3]!)).toBe(true)
    expect(cm.acceptIncomingConnection(attacker[4]!)).toBe(false)
    // ending one twice, or one never admitted, frees nothing more
    cm.afterUpgradeInbound(attacker[0])
    cm.afterUpgradeInbound(attacker[4])
    expect(cm.acceptIncomingConnection(attacker[4]!)).toBe(false)
  })

  it('counts ports of one IP together; non-IP addresses only count in the total', async () => {
    const cm = await manager({ maxIncomingPendingConnectionsPerAddress: 1, maxIncomingPendingConnections: 4 })
    expect(cm.acceptIncomingConnection(inbound('/ip6zone/eth0/ip6/fe80::1/tcp/1'))).toBe(true)
    expect(cm.acceptIncomingConnection(inbound('/ip6zone/eth0/ip6/fe80::1/tcp/2'))).toBe(false)
    const relayed = inbound(
      '/ip4/198.51.100.1/tcp/4001/p2p/12D3KooWQ12JzL1EnjPdNSiXMY5xwbhaGf1EU893iGpy1ekqM6Xf/p2p-circuit',
    )
    const memory = [relayed, ...Array.from({ length: 3 }, () => inbound('/memory/listener'))]
    // three total slots remain; memory addresses share no per-address cap
    expect(memory.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([true, true, true, false])
  })

  it('counts a relayed upgrade against its relay and its claimed peer, and relayed ones together against half the slots', async () => {
    const relay = '12D3KooWQ12JzL1EnjPdNSiXMY5xwbhaGf1EU893iGpy1ekqM6Xf'
    const other = '12D3KooWEDm1EF2FBTj4RFpL8pLb5atRt6rwu6YuCvtbAyd8uhUD'
    const peers = [
      '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq',
      '12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X',
      '12D3KooWR4hbRxBJnZPeKxwNKVqj4VtJvZKNiYB3rv29Fsxa8HsD',
      '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8',
    ]
    const circuit = (via: string, peer: string, port: number): MultiaddrConnection =>
      inbound(`/ip4/127.0.0.1/tcp/${port}/p2p/${via}/p2p-circuit/p2p/${peer}`)
    const cm = await manager({ maxIncomingPendingConnections: 10 })
    // one relay: 3 pending upgrades (the per-address cap), whatever peers it names
    const viaOne = peers.map((peer, i) => circuit(relay, peer, 4000 + i))
    expect(viaOne.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([true, true, true, false])
    // one claimed peer through another relay: it already holds one slot through the first
    const samePeer = [0, 1, 2].map((i) => circuit(other, peers[0]!, 5000 + i))
    expect(samePeer.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([true, true, false])
    // relayed upgrades hold at most 5 of the 10 slots: direct ones keep theirs
    expect(cm.acceptIncomingConnection(circuit(other, peers[3]!, 5003))).toBe(false)
    const direct = [1, 2, 3, 4, 5].map((i) => inbound(`/ip4/127.0.0.${i}/tcp/6000`))
    expect(direct.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ])
    // an ended relayed upgrade gives back its relay's, its peer's and the relayed slot
    cm.afterUpgradeInbound(viaOne[1])
    cm.afterUpgradeInbound(direct[0])
    expect(cm.acceptIncomingConnection(viaOne[3]!)).toBe(true)
  })

  it('can be turned off, and refuses a cap below 1', async () => {
    const cm = await manager({ maxIncomingPendingConnectionsPerAddress: Number.POSITIVE_INFINITY })
    const admitted = Array.from({ length: 10 }, (_, i) =>
      cm.acceptIncomingConnection(inbound(`/ip4/127.0.0.1/tcp/${7000 + i}`)),
    )
    expect(admitted.every(Boolean)).toBe(true)
    await expect(manager({ maxIncomingPendingConnectionsPerAddress: 0 })).rejects.toThrow(RangeError)
  })
})
