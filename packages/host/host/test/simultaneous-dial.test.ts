import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { Connection } from '../src/connection.js'
import type { Host } from '../src/host.js'
import { withoutPeerId } from '../src/internal/addresses.js'
import { stopAll, tcpHost } from './fixtures/hosts.js'
import { echo, encode, readAll } from './fixtures/peer.js'

afterEach(stopAll)

// no auto-dial, so every connection in these tests is one the test asked for; every
// host dials from 127.0.0.1, so the per-address cap on pending upgrades is off
const quiet = {
  connectionManager: { minConnections: 0, maxIncomingPendingConnectionsPerAddress: Number.POSITIVE_INFINITY },
}
/** the duplicate's close delay (500 ms by default) and some margin */
const CLOSE_DELAY = 500

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the duplicates to close')
    await delay(20)
  }
}

/** The connection's two TCP ends, as "local > remote". */
const ends = (connection: Pick<Connection, 'localAddr' | 'remoteAddr'>, flip = false): string => {
  const local = connection.localAddr?.toString() ?? '?'
  const remote = withoutPeerId(connection.remoteAddr).toString()
  return flip ? `${remote} > ${local}` : `${local} > ${remote}`
}

/** Counts the connections `host` opened, by direction. */
function opens(host: Host): { inbound: number; outbound: number } {
  const count = { inbound: 0, outbound: 0 }
  host.addEventListener('connection:open', (evt) => count[evt.detail.direction]++)
  return count
}

/** Every connection dialed between `a` and `b` is upgraded on both ends (each dialed end has its accepted end). */
async function upgradedOnBothEnds(
  a: { inbound: number; outbound: number },
  b: { inbound: number; outbound: number },
): Promise<void> {
  await until(() => a.outbound === b.inbound && b.outbound === a.inbound)
}

describe('simultaneous dials over TCP on loopback', () => {
  it('leaves one connection per pair, the same one on both ends (20 pairs)', async () => {
    const rounds = 20
    const results = await Promise.all(
      Array.from({ length: rounds }, async () => {
        const [a, b] = await Promise.all([tcpHost(quiet), tcpHost(quiet)])
        const [atA, atB] = [opens(a), opens(b)]
        await Promise.all([a.dial(b.getMultiaddrs()), b.dial(a.getMultiaddrs())])
        await upgradedOnBothEnds(atA, atB)
        const raced = atA.outbound + atA.inbound > 1
        await until(() => a.getConnections(b.peerId).length === 1 && b.getConnections(a.peerId).length === 1)
        // and nothing else closes later
        await delay(CLOSE_DELAY)
        const [keptAtA] = a.getConnections(b.peerId)
        const [keptAtB] = b.getConnections(a.peerId)
        expect(a.getConnections(b.peerId)).toHaveLength(1)
        expect(b.getConnections(a.peerId)).toHaveLength(1)
        expect(keptAtA?.status).toBe('open')
        expect((keptAtA as Connection).localAddr).toBeDefined()
        expect(ends(keptAtA as Connection)).toBe(ends(keptAtB as Connection, true))
        expect(keptAtA?.direction).not.toBe(keptAtB?.direction)
        return raced
      }),
    )
    // the race happened (both dials completed) in at least some rounds, so the rule was exercised
    expect(results.filter((raced) => raced).length).toBeGreaterThan(0)
  }, 60_000)

  it('lets streams opened during the race complete, then keeps one connection', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([tcpHost(quiet), tcpHost(quiet)])
      const [atA, atB] = [opens(a), opens(b)]
      for (const host of [a, b]) await host.handle('/echo/1.0.0', (stream) => echo(stream))
      const talk = async (from: Host, to: Host, text: string): Promise<string> => {
        const stream = await from.dialProtocol(to.getMultiaddrs(), '/echo/1.0.0')
        stream.send(encode(`${text}:`))
        // outlive the duplicate's close delay before the stream ends
        await delay(CLOSE_DELAY + 200)
        stream.send(encode('done'))
        await stream.close()
        return readAll(stream)
      }
      const [fromA, fromB] = await Promise.all([talk(a, b, 'a'), talk(b, a, 'b')])
      expect(fromA).toBe('a:done')
      expect(fromB).toBe('b:done')
      await upgradedOnBothEnds(atA, atB)
      await until(() => a.getConnections(b.peerId).length === 1 && b.getConnections(a.peerId).length === 1)
      expect(ends(a.getConnections(b.peerId)[0] as Connection)).toBe(
        ends(b.getConnections(a.peerId)[0] as Connection, true),
      )
      await stopAll()
    }
  }, 60_000)

  it('a host with several peers that all dial it as it dials them holds one connection per peer', async () => {
    const center = await tcpHost(quiet)
    const peers = await Promise.all(Array.from({ length: 7 }, async () => tcpHost(quiet)))
    const atCenter = opens(center)
    const atPeers = peers.map(opens)
    await Promise.all(
      peers.flatMap((peer) => [center.dial(peer.getMultiaddrs()), peer.dial(center.getMultiaddrs())]),
    )
    const sum = (counts: Array<{ inbound: number; outbound: number }>) => ({
      inbound: counts.reduce((total, count) => total + count.inbound, 0),
      outbound: counts.reduce((total, count) => total + count.outbound, 0),
    })
    await until(() => {
      const all = sum(atPeers)
      return atCenter.outbound === all.inbound && atCenter.inbound === all.outbound
    })
    const raced = atCenter.inbound + atCenter.outbound - peers.length
    await until(() => center.getConnections().length === peers.length)
    await delay(CLOSE_DELAY)
    // some of the 7 pairs raced, so the rule was exercised
    expect(raced).toBeGreaterThan(0)
    expect(center.getConnections()).toHaveLength(peers.length)
    for (const peer of peers) {
      expect(center.getConnections(peer.peerId)).toHaveLength(1)
      expect(peer.getConnections(center.peerId)).toHaveLength(1)
    }

    // a refresh: new dials both ways reuse the connection each already has
    const before = atCenter.inbound + atCenter.outbound
    const again = await Promise.all(
      peers.flatMap((peer) => [center.dial(peer.peerId), peer.dial(center.peerId)]),
    )
    expect(atCenter.inbound + atCenter.outbound).toBe(before)
    for (const [index, peer] of peers.entries()) {
      expect(again[2 * index]).toBe(center.getConnections(peer.peerId)[0])
      expect(again[2 * index + 1]).toBe(peer.getConnections(center.peerId)[0])
    }
    expect(center.getConnections()).toHaveLength(peers.length)
  }, 60_000)
})
