import type { MultiaddrConnection, Upgrader } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionManager, type ConnectionManagerInit } from '../src/connection-manager.js'
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
    { minConnections: 0, ...init },
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

  it('counts ports of one IP together; relayed and non-IP addresses only count in the total', async () => {
    const cm = await manager({ maxIncomingPendingConnectionsPerAddress: 1, maxIncomingPendingConnections: 4 })
    expect(cm.acceptIncomingConnection(inbound('/ip6zone/eth0/ip6/fe80::1/tcp/1'))).toBe(true)
    expect(cm.acceptIncomingConnection(inbound('/ip6zone/eth0/ip6/fe80::1/tcp/2'))).toBe(false)
    const relayed = inbound(
      '/ip4/198.51.100.1/tcp/4001/p2p/12D3KooWQ12JzL1EnjPdNSiXMY5xwbhaGf1EU893iGpy1ekqM6Xf/p2p-circuit',
    )
    const memory = [relayed, ...Array.from({ length: 3 }, () => inbound('/memory/listener'))]
    // three total slots remain; relayed and memory addresses share no per-address cap
    expect(memory.map((maConn) => cm.acceptIncomingConnection(maConn))).toEqual([true, true, true, false])
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
