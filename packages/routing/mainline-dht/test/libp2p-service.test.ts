/** libp2p over Mainline with two in-package stand-ins for hosts (keys, addresses, events). */

import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeAddresses,
  encodeAddresses,
  type MainlineService,
  type MainlineServiceInit,
  mainline,
  PEER_QUERY,
  topicInfohash,
} from '../src/index.js'
import { createSwarm, type Swarm } from './swarm.js'

const running: Array<MainlineService | Swarm> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.stop()))
})

async function fakeHost(swarm: Swarm, addresses: string[], init: MainlineServiceInit = {}) {
  const privateKey = await generateKeyPair('Ed25519')
  const events = new EventTarget()
  let current = addresses.map((address) => multiaddr(address))
  const service = mainline({
    ...init,
    dht: {
      socket: swarm.network.socket(),
      refreshInterval: 0,
      bootstrap: swarm.nodes.slice(0, 3).flatMap((node) => node.addresses()),
    },
  })({
    privateKey,
    addressManager: { getAddresses: () => current },
    events: events as never,
    logger: defaultLogger(),
  })
  await service.start()
  running.push(service)
  return {
    service,
    peerId: peerIdFromPrivateKey(privateKey),
    events,
    setAddresses: (next: string[]) => {
      current = next.map((address) => multiaddr(address))
    },
  }
}

describe('peer items', () => {
  it('encode multiaddrs compactly and stay under 1 000 bytes', () => {
    const addresses = Array.from({ length: 100 }, (_, index) => multiaddr(`/ip4/10.0.0.${index}/tcp/4001`))
    const value = encodeAddresses(addresses)
    const decoded = decodeAddresses(value)
    expect(decoded.length).toBeGreaterThan(10)
    expect(decoded.length).toBeLessThanOrEqual(24)
    expect(decoded[0]?.toString()).toBe('/ip4/10.0.0.0/tcp/4001')
    expect(decodeAddresses({ a: [new Uint8Array([0xff, 0xff]), 3] })).toEqual([])
  })

  it('hash topics into a namespace', () => {
    expect(topicInfohash('chat')).toHaveLength(20)
    expect(topicInfohash('chat')).not.toEqual(topicInfohash('chat', '/other/'))
  })
})

describe('libp2p over Mainline', () => {
  it('two hosts that share only a topic find each other; a third finds one by peer id', async () => {
    const swarm = await createSwarm(30)
    running.push(swarm)
    const a = await fakeHost(swarm, ['/ip4/127.0.0.1/tcp/4001'], { topics: ['weft-chat'] })
    const b = await fakeHost(swarm, ['/ip4/127.0.0.1/tcp/4002', '/ip6/::1/tcp/4002'], {
      topics: ['weft-chat'],
    })
    const c = await fakeHost(swarm, [], { publish: false })
    expect(await a.service.publish()).toBeGreaterThanOrEqual(4)
    expect(await b.service.publish()).toBeGreaterThanOrEqual(4)
    const seenByB: string[] = []
    b.service.addEventListener('peer', (event) => seenByB.push(event.detail.id.toString()))
    await a.service.topicRound()
    const foundByB = await b.service.topicRound()
    expect(foundByB.map((info) => info.id.toString())).toEqual([a.peerId.toString()])
    expect(foundByB[0]?.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4001'])
    expect(seenByB).toEqual([a.peerId.toString()])
    const foundByA = await a.service.topicRound()
    expect(foundByA.map((info) => info.id.toString())).toEqual([b.peerId.toString()])

    const info = await c.service.findPeer(b.peerId)
    expect(info.id.equals(b.peerId)).toBe(true)
    expect(info.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4002', '/ip6/::1/tcp/4002'])
    await expect(c.service.findPeer(c.peerId)).rejects.toMatchObject({ name: 'NotFoundError' })
    // a non-Ed25519 id cannot be on Mainline
    const rsa = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    await expect(c.service.findPeer(rsa)).rejects.toMatchObject({ name: 'NotFoundError' })
  })

  it('republishes on a timer and when the addresses change; the newest wins', async () => {
    const swarm = await createSwarm(20)
    running.push(swarm)
    const a = await fakeHost(swarm, ['/ip4/127.0.0.1/tcp/5001'], { republishInterval: 100 })
    const c = await fakeHost(swarm, [], { publish: false })
    a.service.afterStart()
    await expect
      .poll(async () => (await c.service.findPeer(a.peerId).catch(() => undefined))?.multiaddrs.map(String), {
        timeout: 5000,
      })
      .toEqual(['/ip4/127.0.0.1/tcp/5001'])
    a.setAddresses(['/ip4/127.0.0.1/tcp/5002'])
    a.events.dispatchEvent(new CustomEvent('self:peer:update'))
    await expect
      .poll(async () => (await c.service.findPeer(a.peerId)).multiaddrs.map(String), { timeout: 5000 })
      .toEqual(['/ip4/127.0.0.1/tcp/5002'])
  })

  it('a forged libp2p_peer answer is ignored', async () => {
    const swarm = await createSwarm(20)
    running.push(swarm)
    const a = await fakeHost(swarm, ['/ip4/127.0.0.1/tcp/4001'], { topics: ['forge'] })
    const b = await fakeHost(swarm, [], { topics: ['forge'], publish: false })
    await a.service.publish()
    // a's node now answers with someone else's key and a signature that does not match
    const other = await generateKeyPair('Ed25519')
    a.service.dht.handle(PEER_QUERY, () => ({
      k: other.publicKey.raw,
      seq: 1,
      sig: new Uint8Array(64),
      v: { a: [] },
    }))
    await a.service.topicRound()
    expect(await b.service.topicRound()).toEqual([])
  })
})
