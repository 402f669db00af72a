import type { Connection, IdentifyResult } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { AddressBook } from './address-book.js'

const RELAY = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

function connection(id: string, remote: string, remoteAddr: string, localAddr?: string): Connection {
  return {
    id,
    remotePeer: { toString: () => remote },
    remoteAddr: multiaddr(remoteAddr),
    localAddr: localAddr == null ? undefined : multiaddr(localAddr),
  } as unknown as Connection
}

function book(own: string[]): { book: AddressBook; toRelay: Connection; relayed: Connection } {
  const toRelay = connection('c1', RELAY, '/ip4/198.51.100.1/tcp/4001', '/ip4/10.77.1.2/tcp/40123')
  const relayed = connection('c2', PEER, `/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)
  const addressBook = new AddressBook(
    {
      connectionManager: {
        getConnections: () => [toRelay, relayed],
        openConnection: async () => toRelay,
      },
      addressManager: { getAddresses: (): Multiaddr[] => own.map((address) => multiaddr(address)) },
    },
    4,
  )
  addressBook.record({
    connection: toRelay,
    observedAddr: multiaddr('/ip4/198.51.100.11/tcp/40123'),
    listenAddrs: [],
  } as unknown as IdentifyResult)
  return { book: addressBook, toRelay, relayed }
}

describe('AddressBook.punchPlan', () => {
  it('offers the observed address, our listen ports on its IP, then public listen addresses', () => {
    const { book: addressBook, relayed } = book([
      `/ip4/10.77.1.2/tcp/4001/p2p/${PEER}`,
      '/ip4/198.51.100.30/tcp/4002',
      `/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit`,
    ])
    const plan = addressBook.punchPlan(relayed)
    expect(plan.localPort).toBe(40123)
    expect(plan.addrs.map(String)).toEqual([
      '/ip4/198.51.100.11/tcp/40123',
      '/ip4/198.51.100.11/tcp/4001',
      '/ip4/198.51.100.11/tcp/4002',
      '/ip4/198.51.100.30/tcp/4002',
    ])
  })

  it('offers QUIC first: a QUIC observation, our QUIC listen ports on the relay-observed IP, public QUIC listen addresses', () => {
    const { book: addressBook, relayed } = book([
      '/ip4/10.77.1.2/tcp/4001',
      `/ip4/10.77.1.2/udp/4001/quic-v1/p2p/${PEER}`,
      '/ip4/198.51.100.30/udp/4003/quic-v1',
    ])
    // identify over a direct QUIC connection with some peer, and one with a LAN peer (ignored)
    addressBook.record({
      connection: connection('c3', PEER, '/ip4/198.51.100.40/udp/4001/quic-v1'),
      observedAddr: multiaddr('/ip4/198.51.100.11/udp/41000/quic-v1'),
      listenAddrs: [],
    } as unknown as IdentifyResult)
    addressBook.record({
      connection: connection('c4', PEER, '/ip4/10.77.1.9/udp/4001/quic-v1'),
      observedAddr: multiaddr('/ip4/10.77.1.2/udp/4001/quic-v1'),
      listenAddrs: [],
    } as unknown as IdentifyResult)
    expect(addressBook.punchPlan(relayed).addrs.map(String)).toEqual([
      '/ip4/198.51.100.11/udp/41000/quic-v1',
      '/ip4/198.51.100.11/udp/4001/quic-v1',
      '/ip4/198.51.100.11/udp/4003/quic-v1',
      '/ip4/198.51.100.30/udp/4003/quic-v1',
      '/ip4/198.51.100.11/tcp/40123',
      '/ip4/198.51.100.11/tcp/4001',
    ])
  })

  it('offers no QUIC address without a QUIC listen address', () => {
    const { book: addressBook, relayed } = book(['/ip4/10.77.1.2/tcp/4001'])
    expect(addressBook.punchPlan(relayed).addrs.every((address) => !address.toString().includes('udp'))).toBe(
      true,
    )
  })

  it('plans from the TCP connection to the relay when a QUIC one to it is listed first', () => {
    const toRelay = connection('c1', RELAY, '/ip4/198.51.100.1/tcp/4001', '/ip4/10.77.1.2/tcp/40123')
    const overQuic = connection(
      'c0',
      RELAY,
      '/ip4/198.51.100.1/udp/4001/quic-v1',
      '/ip4/10.77.1.2/udp/4001/quic-v1',
    )
    const relayed = connection('c2', PEER, `/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)
    const addressBook = new AddressBook(
      {
        connectionManager: {
          getConnections: () => [overQuic, toRelay, relayed],
          openConnection: async () => toRelay,
        },
        addressManager: {
          getAddresses: (): Multiaddr[] => [
            multiaddr('/ip4/10.77.1.2/tcp/4001'),
            multiaddr('/ip4/10.77.1.2/udp/4001/quic-v1'),
          ],
        },
      },
      4,
    )
    for (const [via, observed] of [
      [overQuic, '/ip4/198.51.100.11/udp/20007/quic-v1'],
      [toRelay, '/ip4/198.51.100.11/tcp/30002'],
    ] as const) {
      addressBook.record({
        connection: via,
        observedAddr: multiaddr(observed),
        listenAddrs: [],
      } as unknown as IdentifyResult)
    }
    const plan = addressBook.punchPlan(relayed)
    expect(plan.localPort).toBe(40123)
    expect(plan.addrs.map(String)).toEqual([
      // the QUIC socket's mapping as the relay saw it (a sequential NAT's last port), then the listen port
      '/ip4/198.51.100.11/udp/20007/quic-v1',
      '/ip4/198.51.100.11/udp/4001/quic-v1',
      '/ip4/198.51.100.11/tcp/30002',
      '/ip4/198.51.100.11/tcp/4001',
    ])
  })

  it('offers no address before the relay told us how it sees us', () => {
    const { relayed } = book([])
    const fresh = new AddressBook(
      { connectionManager: { getConnections: () => [relayed], openConnection: async () => relayed } },
      4,
    )
    expect(fresh.punchPlan(relayed)).toEqual({ addrs: [] })
  })
})
