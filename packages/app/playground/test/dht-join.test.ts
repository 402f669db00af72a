import { afterEach, describe, expect, it } from 'vitest'
import { InvalidAddressError, type Playground } from '../src/index.js'
import { startPlaygrounds, waitUntil } from './helpers.js'

describe('join by peer id through the DHT', () => {
  const started: Playground[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async (node) => node.stop()))
  })

  it('finds a peer the peer store does not know, through a common peer', async () => {
    const [a, hub, c] = await startPlaygrounds('dht-test', 3, { dht: true })
    started.push(a!, hub!, c!)
    await a!.join(hub!.addresses[0]!)
    await c!.join(hub!.addresses[0]!)
    await waitUntil(() => hub!.peers.length === 2, 'the hub to see both')
    expect(await a!.join(c!.peerId)).toBe(c!.peerId)
    expect(a!.peers.sort()).toEqual([hub!.peerId, c!.peerId].sort())
  })

  it('without a DHT, an unknown peer id is refused with a clear error', async () => {
    const [a, b] = await startPlaygrounds('dht-off-test', 2)
    started.push(a!, b!)
    await expect(a!.join(b!.peerId)).rejects.toThrow(InvalidAddressError)
    await expect(a!.join(b!.peerId)).rejects.toThrow(/turn on dht/)
  })
})
