import type { Connection, ConnectionGater, PeerId, Upgrader } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { resolveDialerConfig } from '../src/config.js'
import { Dialer, type DialerInit } from '../src/dialer.js'
import { testPeer } from './fixtures/peer.js'

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

interface Behaviour {
  /** ms until the dial settles (default 5) */
  ms?: number
  fail?: boolean
  /** the peer the "connection" reaches (default: the one named in the address) */
  reaches?: PeerId
}

async function setup(
  behaviour: (address: Multiaddr) => Behaviour,
  init: DialerInit = {},
  gater: ConnectionGater = {},
  networks: readonly string[] = [],
) {
  const peer = await testPeer()
  const dialed: string[] = []
  const aborted: string[] = []
  const closed: string[] = []
  const transportManager = {
    dialTransportForMultiaddr: (ma: Multiaddr) =>
      ma.toString().startsWith('/ip') ? ({} as never) : undefined,
    dial: async (ma: Multiaddr, options: { signal?: AbortSignal } = {}): Promise<Connection> => {
      dialed.push(ma.toString())
      const plan = behaviour(ma)
      await delay(plan.ms ?? 5, options).catch((err: Error) => {
        aborted.push(ma.toString())
        throw err
      })
      if (plan.fail === true) throw new Error(`refused ${ma}`)
      const named = ma.getComponents().find((c) => c.name === 'p2p')?.value
      const remotePeer =
        plan.reaches ??
        (named != null
          ? { toString: () => named, equals: (o: unknown) => String(o) === named }
          : await newPeerId())
      return {
        remotePeer,
        remoteAddr: ma,
        status: 'open',
        close: async () => void closed.push(ma.toString()),
        abort: () => void closed.push(ma.toString()),
      } as unknown as Connection
    },
  }
  const dialer = new Dialer(
    {
      ...peer,
      // the orders asserted here must not depend on this machine's interfaces
      localNetworks: () => networks,
      connectionGater: gater,
      transportManager,
      addressManager: { getListenAddrs: () => [multiaddr('/ip4/127.0.0.1/tcp/9999')] },
      upgrader: {} as Upgrader,
    },
    resolveDialerConfig({ addressDialDelay: 20, ...init }),
  )
  return { peer, dialer, dialed, aborted, closed }
}

describe('Dialer', () => {
  it('shares one dial between callers for the same peer', async () => {
    const remote = await newPeerId()
    const { dialer, dialed } = await setup(() => ({ ms: 30 }))
    const addresses = [multiaddr('/ip4/10.0.0.1/tcp/1')]
    const [a, b] = await Promise.all([
      dialer.dial({ peerId: remote, addresses }),
      dialer.dial({ peerId: remote, addresses }),
    ])
    expect(a).toBe(b)
    expect(dialed).toEqual([`/ip4/10.0.0.1/tcp/1/p2p/${remote}`])
  })

  it('reads addresses from the peer store, skips our own and undialable ones, IPv6 first', async () => {
    const remote = await newPeerId()
    const { dialer, dialed, peer } = await setup(() => ({ fail: true, ms: 1 }))
    await peer.peerStore.merge(remote, {
      multiaddrs: [
        multiaddr('/ip4/127.0.0.1/tcp/9999'),
        multiaddr('/ip4/10.0.0.1/tcp/1'),
        multiaddr('/memory/x'),
        multiaddr('/ip6/fd00::1/tcp/1'),
      ],
    })
    await expect(dialer.dial({ peerId: remote, addresses: [] })).rejects.toMatchObject({
      name: 'AllAddressesFailedError',
    })
    expect(dialed).toEqual([`/ip6/fd00::1/tcp/1/p2p/${remote}`, `/ip4/10.0.0.1/tcp/1/p2p/${remote}`])
  })

  it('dials an address on our own network first: two hosts behind one NAT meet on their LAN', async () => {
    const remote = await newPeerId()
    const lan = multiaddr('/ip4/192.168.1.20/tcp/4001')
    const { dialer, dialed } = await setup(() => ({ ms: 1 }), {}, {}, ['192.168.1.7/24'])
    const connection = await dialer.dial({
      peerId: remote,
      // the shared NAT's public address as the peer announced it, then its LAN one
      addresses: [multiaddr('/ip4/198.51.100.9/tcp/4001'), lan],
    })
    expect(connection.remoteAddr.toString()).toBe(`${lan}/p2p/${remote}`)
    expect(dialed).toEqual([`${lan}/p2p/${remote}`])
  })

  it("skips another peer's address that equals ours, without calling the dial a self dial", async () => {
    const remote = await newPeerId()
    const { dialer, dialed, peer } = await setup(() => ({ ms: 1 }))
    // the remote announced its loopback address on the port we listen on too
    const shared = multiaddr('/ip4/127.0.0.1/tcp/9999')
    const error = await dialer.dial({ peerId: remote, addresses: [shared] }).catch((err: Error) => err)
    expect(error).toMatchObject({ name: 'NoValidAddressesError' })
    expect(dialed).toEqual([])
    // with another address beside it, that one is dialed
    const other = multiaddr('/ip4/10.77.1.2/tcp/9999')
    const connection = await dialer.dial({ peerId: remote, addresses: [shared, other] })
    expect(connection.remoteAddr.toString()).toBe(`${other}/p2p/${remote}`)
    expect(dialed).toEqual([`${other}/p2p/${remote}`])
    // a bare address of ours, or our own peer id, is still a self dial
    await expect(dialer.dial({ addresses: [shared] })).rejects.toMatchObject({ name: 'SelfDialError' })
    await expect(dialer.dial({ peerId: peer.peerId, addresses: [shared] })).rejects.toMatchObject({
      name: 'SelfDialError',
    })
  })

  it('races addresses: the first to connect wins and the slower attempts are aborted', async () => {
    const remote = await newPeerId()
    const { dialer, aborted } = await setup((ma) => ({ ms: ma.toString().includes('fd00::1') ? 500 : 10 }))
    const connection = await dialer.dial({
      peerId: remote,
      addresses: [multiaddr('/ip6/fd00::1/tcp/1'), multiaddr('/ip4/10.0.0.1/tcp/1')],
    })
    expect(connection.remoteAddr.toString()).toContain('/ip4/10.0.0.1')
    await delay(5)
    expect(aborted).toEqual([`/ip6/fd00::1/tcp/1/p2p/${remote}`])
  })

  it('closes a connection that reaches another peer and reports UnexpectedPeerError', async () => {
    const remote = await newPeerId()
    const stranger = await newPeerId()
    const { dialer, closed } = await setup(() => ({ reaches: stranger }))
    await expect(
      dialer.dial({ peerId: remote, addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] }),
    ).rejects.toMatchObject({
      name: 'UnexpectedPeerError',
    })
    expect(closed).toHaveLength(1)
  })

  it('bounds a dial by dialTimeout', async () => {
    const { dialer } = await setup(() => ({ ms: 10_000 }), { dialTimeout: 50 })
    const started = Date.now()
    await expect(dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('runs at most maxParallelDials at once and refuses dials beyond maxDialQueueLength', async () => {
    const { dialer } = await setup(() => ({ ms: 40 }), { maxParallelDials: 1, maxDialQueueLength: 1 })
    const first = dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] })
    const second = dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.2/tcp/1')] })
    await delay(1)
    expect(dialer.getDialQueue().map((dial) => dial.status)).toEqual(['active', 'queued'])
    await expect(dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.3/tcp/1')] })).rejects.toMatchObject({
      name: 'DialQueueFullError',
    })
    await Promise.all([first, second])
    expect(dialer.getDialQueue()).toEqual([])
  })

  it('gives up a dial once every caller has aborted', async () => {
    const { dialer, aborted } = await setup(() => ({ ms: 10_000 }))
    const controller = new AbortController()
    const dial = dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] }, { signal: controller.signal })
    await delay(10)
    controller.abort(new Error('changed my mind'))
    await expect(dial).rejects.toThrow('changed my mind')
    await delay(5)
    expect(aborted).toEqual(['/ip4/10.0.0.1/tcp/1'])
    expect(dialer.getDialQueue()).toEqual([])
  })

  it('asks the connection gater about the peer and each address', async () => {
    const remote = await newPeerId()
    const denyPeer = await setup(() => ({}), {}, { denyDialPeer: () => true })
    await expect(
      denyPeer.dialer.dial({ peerId: remote, addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] }),
    ).rejects.toMatchObject({ name: 'ConnectionDeniedError' })
    const denyAddress = await setup(
      () => ({}),
      {},
      { denyDialMultiaddr: (ma) => ma.toString().includes('10.0.0.1') },
    )
    const connection = await denyAddress.dialer.dial({
      addresses: [multiaddr('/ip4/10.0.0.1/tcp/1'), multiaddr('/ip4/10.0.0.2/tcp/1')],
    })
    expect(denyAddress.dialed).toEqual(['/ip4/10.0.0.2/tcp/1'])
    expect(connection.remoteAddr.toString()).toBe('/ip4/10.0.0.2/tcp/1')
  })

  it('stop() aborts running and queued dials', async () => {
    const { dialer } = await setup(() => ({ ms: 10_000 }), { maxParallelDials: 1 })
    const running = dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.1/tcp/1')] })
    const queued = dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.2/tcp/1')] })
    await delay(5)
    dialer.stop()
    await expect(running).rejects.toMatchObject({ name: 'NotStartedError' })
    await expect(queued).rejects.toMatchObject({ name: 'NotStartedError' })
    await expect(dialer.dial({ addresses: [multiaddr('/ip4/10.0.0.3/tcp/1')] })).rejects.toMatchObject({
      name: 'NotStartedError',
    })
  })
})
