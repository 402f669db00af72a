/**
 * The dialer's connection ladder: the host's own rungs (direct, relay),
 * rungs services offer, options that switch rungs off or reorder them, and
 * the record every dial by peer id leaves (event and property).
 */
import type { Connection, PeerId, Upgrader } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { resolveDialerConfig } from '../src/config.js'
import {
  CONNECTION_LADDER_EVENT,
  type ConnectionLadderRung,
  connectionLadderRungSymbol,
  findRungs,
  type LadderRecord,
  RUNG_ORDER,
} from '../src/connection-ladder.js'
import { Dialer, type DialerInit } from '../src/dialer.js'
import { createHost } from '../src/host.js'
import { testPeer } from './fixtures/peer.js'

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

function fakeConnection(remotePeer: PeerId, remoteAddr: Multiaddr, closed: string[] = []): Connection {
  return {
    remotePeer,
    remoteAddr,
    status: 'open',
    limits: remoteAddr.toString().includes('p2p-circuit') ? { bytes: 1n << 17n } : undefined,
    close: async () => void closed.push(remoteAddr.toString()),
    abort: () => void closed.push(remoteAddr.toString()),
  } as unknown as Connection
}

/** `/ip4/10.…` addresses hang (a firewall that drops), others connect after 5 ms. */
async function setup(remote: PeerId, init: DialerInit = {}, rungs: ConnectionLadderRung[] = []) {
  const peer = await testPeer()
  const dialed: string[] = []
  const closed: string[] = []
  const records: LadderRecord[] = []
  ;(peer.events as unknown as EventTarget).addEventListener(CONNECTION_LADDER_EVENT, (evt) => {
    records.push((evt as CustomEvent<LadderRecord>).detail)
  })
  const transportManager = {
    dialTransportForMultiaddr: () => ({}) as never,
    dial: async (ma: Multiaddr, options: { signal?: AbortSignal } = {}): Promise<Connection> => {
      dialed.push(ma.toString())
      await delay(ma.toString().startsWith('/ip4/10.') ? 60_000 : 5, options)
      return fakeConnection(remote, ma, closed)
    },
  }
  const dialer = new Dialer(
    {
      ...peer,
      transportManager,
      addressManager: { getListenAddrs: () => [] },
      upgrader: {} as Upgrader,
    },
    resolveDialerConfig({ addressDialDelay: 20, ...init }),
  )
  dialer.addRungs(rungs)
  /** dials `remote` by peer id, its addresses in the peer store: the ladder's case */
  const dial = async (addresses: Multiaddr[], options = {}): Promise<Connection> => {
    if (addresses.length > 0) await peer.peerStore.merge(remote, { multiaddrs: addresses })
    return dialer.dial({ peerId: remote, addresses: [] }, options)
  }
  return { dialer, dial, dialed, closed, records }
}

function serviceRung(
  name: string,
  order: number,
  remote: PeerId,
  behaviour: { ms?: number; fail?: boolean; can?: boolean } = {},
  log: string[] = [],
): ConnectionLadderRung {
  return {
    name,
    order,
    canTry: () => behaviour.can ?? true,
    attempt: async (_peer, signal) => {
      log.push(name)
      await delay(behaviour.ms ?? 5, { signal })
      if (behaviour.fail === true) throw new Error(`${name} could not`)
      return fakeConnection(remote, multiaddr(`/ip4/198.51.100.7/tcp/4001`))
    },
  }
}

const RELAY =
  '/ip4/198.51.100.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit'

describe('the connection ladder', () => {
  it('reports the direct rung for a plain dial by peer id, as an event and on the connection', async () => {
    const remote = await newPeerId()
    const { dial, records } = await setup(remote)
    const connection = await dial([multiaddr('/ip4/198.51.100.9/tcp/1')])
    const record = (connection as Connection & { ladder?: LadderRecord }).ladder
    expect(record).toMatchObject({ rung: 'direct', limited: false })
    expect(record?.rungs.map((rung) => [rung.name, rung.outcome])).toEqual([
      ['direct', 'connected'],
      ['relay', 'not-reached'],
    ])
    expect(records).toEqual([record])
  })

  it('ends on the relay rung when the advertised port cannot be reached, within relayedWait plus the direct timeout', async () => {
    const remote = await newPeerId()
    const { dial, dialed } = await setup(remote, { dialTimeout: 300, ladder: { relayedWait: 5_000 } })
    const started = Date.now()
    const connection = await dial([multiaddr('/ip4/10.0.0.1/tcp/4001'), multiaddr(RELAY)])
    const record = (connection as Connection & { ladder?: LadderRecord }).ladder
    expect(record?.rung).toBe('relay')
    expect(record?.limited).toBe(true)
    expect(record?.rungs[0]).toMatchObject({ name: 'direct', outcome: 'timeout' })
    // the relay answered at once but waited for the direct rung to give up (300 ms), not for relayedWait
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(dialed).toHaveLength(2)
  })

  it('takes a relayed connection after relayedWait while a rung above it still tries', async () => {
    const remote = await newPeerId()
    const punch = serviceRung('hole-punch', RUNG_ORDER['hole-punch'], remote, { ms: 10_000 })
    const { dial } = await setup(remote, { ladder: { relayedWait: 100, stagger: 20 } }, [punch])
    const started = Date.now()
    const connection = await dial([multiaddr(RELAY)])
    expect((connection as Connection & { ladder?: LadderRecord }).ladder?.rung).toBe('relay')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('reaches a peer without addresses through a service rung', async () => {
    const remote = await newPeerId()
    const log: string[] = []
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, {}, log)
    const { dial, records } = await setup(remote, {}, [reverse])
    await dial([])
    expect(log).toEqual(['reverse'])
    expect(records[0]).toMatchObject({ rung: 'reverse' })
    expect(records[0]?.rungs.map((rung) => rung.outcome)).toEqual(['skipped', 'connected', 'not-reached'])
  })

  it('still fails with NoValidAddressesError when no rung can try', async () => {
    const remote = await newPeerId()
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, { can: false })
    const { dial } = await setup(remote, {}, [reverse])
    await expect(dial([])).rejects.toMatchObject({
      name: 'NoValidAddressesError',
    })
  })

  it('switches rungs off and reorders them from the options', async () => {
    const remote = await newPeerId()
    const log: string[] = []
    const rungs = [
      serviceRung('reverse', RUNG_ORDER.reverse, remote, { fail: true }, log),
      serviceRung('turn', RUNG_ORDER.turn, remote, {}, log),
    ]
    const { dial, dialed } = await setup(
      remote,
      { ladder: { rungs: { reverse: false, turn: { order: -1 } } } },
      rungs,
    )
    const connection = await dial([multiaddr('/ip4/198.51.100.9/tcp/1')])
    const record = (connection as Connection & { ladder?: LadderRecord }).ladder
    expect(record?.rung).toBe('turn')
    expect(record?.rungs.map((rung) => rung.name)).toEqual(['turn', 'direct', 'relay'])
    expect(log).toEqual(['turn'])
    expect(dialed).toEqual([])
  })

  it('gives every failed rung its error when the whole ladder fails', async () => {
    const remote = await newPeerId()
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, { fail: true })
    const { dial } = await setup(remote, { dialTimeout: 50 }, [reverse])
    await expect(dial([multiaddr('/ip4/10.0.0.1/tcp/1')])).rejects.toMatchObject({
      name: 'LadderFailedError',
      errors: [{ name: 'TimeoutError' }, {}],
    })
  })

  it('dials given addresses as they are, without the ladder', async () => {
    const remote = await newPeerId()
    const log: string[] = []
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, {}, log)
    const { dialer, records } = await setup(remote, {}, [reverse])
    const connection = await dialer.dial({ peerId: remote, addresses: [multiaddr(RELAY)] })
    expect(connection.remoteAddr.toString()).toContain('p2p-circuit')
    expect((connection as Connection & { ladder?: LadderRecord }).ladder).toBeUndefined()
    expect(log).toEqual([])
    expect(records).toEqual([])
  })

  it('does not climb for a dial with ladder: false', async () => {
    const remote = await newPeerId()
    const log: string[] = []
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, {}, log)
    const { dial, records } = await setup(remote, { dialTimeout: 50 }, [reverse])
    await expect(dial([multiaddr('/ip4/10.0.0.1/tcp/1')], { ladder: false })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(log).toEqual([])
    expect(records).toEqual([])
  })

  it('finds the rungs services offer under connectionLadderRungSymbol', async () => {
    const remote = await newPeerId()
    const one = serviceRung('reverse', 100, remote)
    const two = serviceRung('turn', 400, remote)
    const found = findRungs({
      signalling: { [connectionLadderRungSymbol]: one },
      turn: { [connectionLadderRungSymbol]: [two, { name: 'broken' }] },
      other: {},
      nothing: null,
    })
    expect(found).toEqual([one, two])
  })

  it('wires the rungs a host service offers into host.dial', async () => {
    const remote = await newPeerId()
    const log: string[] = []
    const reverse = serviceRung('reverse', RUNG_ORDER.reverse, remote, {}, log)
    const host = await createHost({
      services: { signalling: () => ({ [connectionLadderRungSymbol]: reverse }) },
      connectionManager: { minConnections: 0 },
    })
    try {
      const records: LadderRecord[] = []
      host.addEventListener(CONNECTION_LADDER_EVENT as 'start', (evt) =>
        records.push((evt as unknown as CustomEvent<LadderRecord>).detail),
      )
      const connection = await host.dial(remote)
      expect(connection.remotePeer.equals(remote)).toBe(true)
      expect(log).toEqual(['reverse'])
      expect(records.map((record) => record.rung)).toEqual(['reverse'])
    } finally {
      await host.stop()
    }
  })
})
