import type { Connection, PeerId } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import {
  compareBytes,
  DuplicateConnections,
  dialerOf,
  preferredConnection,
  redundantConnections,
} from './duplicate-connections.js'

const newId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** Two ids, the smaller (by multihash bytes) first. */
async function orderedPair(): Promise<[PeerId, PeerId]> {
  const [a, b] = [await newId(), await newId()]
  return compareBytes(a.toMultihash().bytes, b.toMultihash().bytes) < 0 ? [a, b] : [b, a]
}

interface Fake {
  id: string
  direction: 'inbound' | 'outbound'
  relayed?: boolean
  status?: Connection['status']
}

/** The same connections seen from each end: `dialer` names who dialed each. */
function view(self: PeerId, remote: PeerId, list: Array<Fake & { dialer: PeerId }>): Connection[] {
  return list.map(
    (fake) =>
      ({
        id: fake.id,
        remotePeer: remote,
        direction: fake.dialer.equals(self) ? 'outbound' : 'inbound',
        direct: fake.relayed !== true,
        limits: fake.relayed === true ? { seconds: 60 } : undefined,
        status: fake.status ?? 'open',
      }) as unknown as Connection,
  )
}

const ids = (connections: Connection[]): string[] => connections.map((connection) => connection.id).sort()

describe('duplicate connections (pure rule)', () => {
  it('compares bytes lexicographically, a prefix first', () => {
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBeLessThan(0)
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9))).toBeGreaterThan(0)
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
    expect(compareBytes(Uint8Array.of(4, 4), Uint8Array.of(4, 4))).toBe(0)
  })

  it('drops the connection the larger peer id dialed, and both ends agree', async () => {
    for (let round = 0; round < 5; round++) {
      const [small, large] = await orderedPair()
      const both = [
        { id: 'by-small', dialer: small, direction: 'outbound' as const },
        { id: 'by-large', dialer: large, direction: 'outbound' as const },
      ]
      const atSmall = view(small, large, both)
      const atLarge = view(large, small, both)
      expect(ids(redundantConnections(small, atSmall))).toEqual(['by-large'])
      expect(ids(redundantConnections(large, atLarge))).toEqual(['by-large'])
      expect(preferredConnection(small, atSmall)?.id).toBe('by-small')
      expect(preferredConnection(large, atLarge)?.id).toBe('by-small')
      expect(dialerOf(small, atSmall[0]!).equals(small)).toBe(true)
      expect(dialerOf(large, atLarge[0]!).equals(small)).toBe(true)
    }
  })

  it('finds no duplicate without a connection dialed by each side', async () => {
    const [small, large] = await orderedPair()
    // two forced dials from one side are both wanted
    const forced = view(small, large, [
      { id: 'a', dialer: small, direction: 'outbound' },
      { id: 'b', dialer: small, direction: 'outbound' },
    ])
    expect(redundantConnections(small, forced)).toEqual([])
    expect(preferredConnection(small, forced)?.id).toBe('a')
    expect(
      redundantConnections(large, view(large, small, [{ id: 'a', dialer: small, direction: 'outbound' }])),
    ).toEqual([])
  })

  it('never counts relayed, limited or closed connections as duplicates', async () => {
    const [small, large] = await orderedPair()
    const relayed = view(large, small, [
      { id: 'direct', dialer: large, direction: 'outbound' },
      { id: 'relayed', dialer: small, direction: 'outbound', relayed: true },
    ])
    expect(redundantConnections(large, relayed)).toEqual([])
    expect(preferredConnection(large, relayed)?.id).toBe('direct')
    const closing = view(large, small, [
      { id: 'by-large', dialer: large, direction: 'outbound' },
      { id: 'by-small', dialer: small, direction: 'outbound', status: 'closing' },
    ])
    expect(redundantConnections(large, closing)).toEqual([])
    expect(preferredConnection(large, closing)?.id).toBe('by-large')
  })
})

/** A connection that records its close; its streams are plain event targets with a status. */
function closable(remotePeer: PeerId, direction: 'inbound' | 'outbound', id: string) {
  const target = new EventTarget()
  const streams: Array<EventTarget & { status: string }> = []
  const connection = Object.assign(target, {
    id,
    remotePeer,
    direction,
    direct: true,
    limits: undefined,
    status: 'open',
    streams,
    closed: 0,
    async close() {
      connection.closed++
      connection.status = 'closed'
      target.dispatchEvent(new Event('close'))
    },
    abort() {},
  })
  const openStream = () => {
    const stream = Object.assign(new EventTarget(), { status: 'open' })
    streams.push(stream)
    return () => {
      stream.status = 'closed'
      streams.splice(streams.indexOf(stream), 1)
      stream.dispatchEvent(new Event('close'))
    }
  }
  return { connection, openStream }
}

describe('DuplicateConnections (closing)', () => {
  async function setup() {
    const [small, large] = await orderedPair()
    // seen from the larger id: it dialed the redundant one, so it closes it
    const redundant = closable(small, 'outbound', 'by-large')
    const kept = closable(small, 'inbound', 'by-small')
    const list = [redundant.connection, kept.connection] as unknown as Connection[]
    const duplicates = new DuplicateConnections({
      self: large,
      closeDelay: 20,
      connectionsTo: () => list.filter((connection) => connection.status === 'open'),
      log: defaultLogger().forComponent('test'),
    })
    return { small, large, redundant, kept, list, duplicates }
  }

  it('closes the redundant connection it dialed after the delay, never the kept one', async () => {
    const { small, redundant, kept, duplicates } = await setup()
    duplicates.check(small)
    expect(redundant.connection.closed).toBe(0)
    await delay(60)
    expect(redundant.connection.closed).toBe(1)
    expect(kept.connection.closed).toBe(0)
    expect(duplicates.size).toBe(0)
  })

  it('waits for the streams in flight, including ones opened during the delay', async () => {
    const { small, redundant, duplicates } = await setup()
    const endFirst = redundant.openStream()
    duplicates.check(small)
    const endSecond = redundant.openStream()
    await delay(60)
    expect(redundant.connection.closed).toBe(0)
    endFirst()
    await delay(10)
    expect(redundant.connection.closed).toBe(0)
    endSecond()
    await delay(10)
    expect(redundant.connection.closed).toBe(1)
  })

  it('leaves the connection when it stops being redundant, and cancels on stop', async () => {
    const { small, redundant, kept, duplicates } = await setup()
    duplicates.check(small)
    await kept.connection.close()
    await delay(60)
    expect(redundant.connection.closed).toBe(0)

    const again = await setup()
    again.duplicates.check(again.small)
    expect(again.duplicates.size).toBe(1)
    again.duplicates.stop()
    await delay(60)
    expect(again.redundant.connection.closed).toBe(0)
  })

  it('does not close, on the side that did not dial it, the connection the other side dropped', async () => {
    const [small, large] = await orderedPair()
    // seen from the smaller id: the redundant one is inbound, so the remote closes it
    const redundant = closable(large, 'inbound', 'by-large')
    const kept = closable(large, 'outbound', 'by-small')
    const list = [redundant.connection, kept.connection] as unknown as Connection[]
    const duplicates = new DuplicateConnections({
      self: small,
      closeDelay: 5,
      connectionsTo: () => list,
      log: defaultLogger().forComponent('test'),
    })
    duplicates.check(large)
    await delay(30)
    expect(redundant.connection.closed).toBe(0)
    expect(kept.connection.closed).toBe(0)
    expect(preferredConnection(small, list)).toBe(kept.connection)
  })
})
