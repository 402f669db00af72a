import { peerIdFromString } from '@weft/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import {
  InvalidAddressError,
  PayloadNotSerialisableError,
  PayloadTooLargeError,
  PeerNotInAppError,
  type Playground,
  PortMappingUnavailableError,
  playground,
} from '../src/index.js'
import { joinAll, LOOPBACK, recorder, startPlaygrounds, waitUntil } from './helpers.js'

describe('playground: three instances in one process', () => {
  const started: Playground[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async (node) => node.stop()))
  })

  it('sends to one peer and to everyone, attributed to the sender', async () => {
    const [a, b, c] = await startPlaygrounds('chat-test', 3)
    started.push(a!, b!, c!)
    await joinAll([a!, b!, c!])
    const atB = recorder()
    const atC = recorder()
    b!.on('note', atB.handler)
    c!.on('note', atC.handler)

    await a!.send('note', { text: 'to all', n: 1 })
    await waitUntil(() => atB.received.length === 1 && atC.received.length === 1, 'the broadcast at b and c')
    expect(atB.received[0]).toEqual({ payload: { text: 'to all', n: 1 }, from: a!.peerId, direct: false })
    expect(atC.received[0]).toEqual({ payload: { text: 'to all', n: 1 }, from: a!.peerId, direct: false })

    await a!.send('note', ['only', 'b'], { to: b!.peerId })
    await waitUntil(() => atB.received.length === 2, 'the direct message at b')
    expect(atB.received[1]).toEqual({ payload: ['only', 'b'], from: a!.peerId, direct: true })

    const text = recorder()
    a!.on('text', text.handler)
    await c!.sendText('hi a', { to: a!.peerId })
    await waitUntil(() => text.received.length === 1, 'the text at a')
    expect(text.received[0]).toEqual({ payload: 'hi a', from: c!.peerId, direct: true })
    // nothing else arrived anywhere: c got no direct message, b no second broadcast
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(atC.received).toHaveLength(1)
    expect(atB.received).toHaveLength(2)
  })

  it('joins by host:port, by multiaddr and by peer id', async () => {
    const [a, b, c] = await startPlaygrounds('join-test', 3)
    started.push(a!, b!, c!)
    const bTcp = b!.addresses[0]!
    const port = /\/tcp\/(\d+)/.exec(bTcp)![1]
    expect(await a!.join(`127.0.0.1:${port}`)).toBe(b!.peerId)
    expect(await a!.join(c!.addresses[0]!)).toBe(c!.peerId)
    // c knows b's addresses only once it is told them: a peer id resolves through the peer store
    await c!.host.peerStore.merge(peerIdFromString(b!.peerId), { multiaddrs: b!.host.getMultiaddrs() })
    expect(await c!.join(b!.peerId)).toBe(b!.peerId)
    expect(a!.peers.sort()).toEqual([b!.peerId, c!.peerId].sort())
    await waitUntil(() => c!.peers.length === 2, 'c to see a and b')
  })

  it('isolates apps: a peer of another app is refused and hears nothing', async () => {
    const [a, b] = await startPlaygrounds('app-one', 2)
    const [other] = await startPlaygrounds('app-two', 1)
    started.push(a!, b!, other!)
    await a!.join(b!.addresses[0]!)
    await expect(a!.join(other!.addresses[0]!)).rejects.toThrow(PeerNotInAppError)
    const heard = recorder()
    other!.on('note', heard.handler)
    other!.on('text', heard.handler)
    const atB = recorder()
    b!.on('note', atB.handler)
    await a!.send('note', 'for app-one')
    await waitUntil(() => atB.received.length === 1, 'b to hear a')
    await expect(a!.send('note', 'direct', { to: other!.peerId })).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(heard.received).toEqual([])
    expect(a!.peers).toEqual([b!.peerId])
    expect(other!.peers).toEqual([])
  })

  it('refuses payloads that are too large or not JSON, and bad addresses', async () => {
    const [a] = await startPlaygrounds('limits-test', 1, { maxPayloadBytes: 1024 })
    started.push(a!)
    await expect(a!.send('x', 'y'.repeat(2000))).rejects.toThrow(PayloadTooLargeError)
    await expect(a!.send('x', { when: new Date() } as never)).rejects.toThrow(PayloadNotSerialisableError)
    await expect(a!.send('x', { n: Number.NaN })).rejects.toThrow(PayloadNotSerialisableError)
    await expect(a!.send('x', [undefined] as never)).rejects.toThrow(PayloadNotSerialisableError)
    await expect(a!.join('not an address')).rejects.toThrow(InvalidAddressError)
    await expect(a!.join('127.0.0.1:70000')).rejects.toThrow(InvalidAddressError)
    await expect(playground('x', { ...LOOPBACK, openPort: true })).rejects.toThrow(
      PortMappingUnavailableError,
    )
    await expect(playground('bad/name', LOOPBACK)).rejects.toThrow(TypeError)
  })

  it('drops messages over a peer rate limit', async () => {
    const [a, b] = await startPlaygrounds('rate-test', 2, { rateLimit: { perSecond: 1, burst: 5 } })
    started.push(a!, b!)
    await joinAll([a!, b!])
    const atB = recorder()
    b!.on('n', atB.handler)
    for (let i = 0; i < 20; i++) await a!.send('n', i)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(atB.received.length).toBeGreaterThanOrEqual(4)
    expect(atB.received.length).toBeLessThanOrEqual(7)
  })

  it('stop() ends everything and later calls throw', async () => {
    const [a] = await startPlaygrounds('stop-test', 1)
    await a!.stop()
    await expect(a!.send('x', 1)).rejects.toThrow(/stopped/)
    expect(a!.host.getConnections()).toEqual([])
  })
})
