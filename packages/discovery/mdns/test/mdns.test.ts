import type { PeerInfo } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { defaultLogger, delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type MulticastDNS, mdns } from '../src/index.js'
import { MemoryGroup } from './memory-socket.js'

const alice = peerIdFromString('12D3KooWFQ7Q8NMtQ5REeJ6mkFt5jLcKHPaEQquFAu3rv7fHXvNf')
const bob = peerIdFromString('12D3KooWJQX4h3nD1xKStbp6Af81UBVyDLmFdmbUyb7g83Yda5S2')

const services: MulticastDNS[] = []
function node(group: MemoryGroup, peerId: typeof alice, addresses: string[], init = {}) {
  const service = mdns({ socket: group.socket, interval: 60_000, ...init })({
    peerId,
    logger: defaultLogger(),
    addressManager: { getAddresses: () => addresses.map((address) => multiaddr(`${address}/p2p/${peerId}`)) },
  })
  services.push(service)
  return service
}

async function until(condition: () => boolean, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(5)
  }
}

afterEach(async () => {
  await Promise.all(services.splice(0).map(async (service) => service.stop()))
})

describe('MulticastDNS service', () => {
  it('two nodes find each other, without announcing loopback addresses', async () => {
    const group = new MemoryGroup()
    const a = node(group, alice, ['/ip4/10.1.0.1/tcp/1', '/ip4/127.0.0.1/tcp/1'])
    const b = node(group, bob, ['/ip4/10.1.0.2/tcp/2'])
    const seenByA: PeerInfo[] = []
    const seenByB: PeerInfo[] = []
    a.addEventListener('peer', (evt) => seenByA.push(evt.detail))
    b.addEventListener('peer', (evt) => seenByB.push(evt.detail))
    a.start()
    b.start()
    await until(() => seenByA.length > 0 && seenByB.length > 0)
    expect(seenByA[0]!.id.equals(bob)).toBe(true)
    expect(seenByA[0]!.multiaddrs.map(String)).toEqual(['/ip4/10.1.0.2/tcp/2'])
    expect(seenByB[0]!.id.equals(alice)).toBe(true)
    expect(seenByB[0]!.multiaddrs.map(String)).toEqual(['/ip4/10.1.0.1/tcp/1'])
    // neither reports itself
    expect(seenByA.every((info) => !info.id.equals(alice))).toBe(true)
  })

  it('does not re-emit a peer that repeats the same addresses within the interval', async () => {
    const group = new MemoryGroup()
    const a = node(group, alice, ['/ip4/10.1.0.1/tcp/1'], { minResponseInterval: 0 })
    const b = node(group, bob, ['/ip4/10.1.0.2/tcp/2'], { minResponseInterval: 0 })
    let count = 0
    a.addEventListener('peer', () => count++)
    a.start()
    b.start()
    await until(() => count === 1)
    for (let i = 0; i < 5; i++)
      group.sockets
        .values()
        .next()
        .value!.query({ questions: [{ name: '_p2p._udp.local', type: 'PTR' }] })
    await until(() => group.sent.filter((sent) => sent.kind === 'response').length >= 6)
    await delay(20)
    expect(count).toBe(1)
  })

  it('stays silent when broadcast is off, and answers DNS-SD meta queries', async () => {
    const group = new MemoryGroup()
    const quiet = node(group, alice, ['/ip4/10.1.0.1/tcp/1'], { broadcast: false })
    quiet.start()
    await delay(20)
    expect(group.sent.filter((sent) => sent.kind === 'response')).toHaveLength(0)
    const loud = node(group, bob, ['/ip4/10.1.0.2/tcp/2'])
    loud.start()
    await delay(300)
    group.sockets
      .values()
      .next()
      .value!.query({ questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR' }] })
    await until(() =>
      group.sent.some((sent) => sent.packet.answers?.some((answer) => answer.data === '_p2p._udp.local')),
    )
  })

  it('emits nothing before start or after stop, and stop releases the socket', async () => {
    const group = new MemoryGroup()
    const a = node(group, alice, ['/ip4/10.1.0.1/tcp/1'])
    const b = node(group, bob, ['/ip4/10.1.0.2/tcp/2'])
    let events = 0
    a.addEventListener('peer', () => events++)
    b.start()
    await delay(20)
    expect(events).toBe(0)
    a.start()
    await until(() => events === 1)
    await a.stop()
    await a.stop()
    expect(a.isStarted()).toBe(false)
    expect(group.sockets.size).toBe(1)
    await b.stop()
    expect(group.sockets.size).toBe(0)
  })

  it('refuses a peerName that is not a DNS label and a non-positive interval', () => {
    const group = new MemoryGroup()
    expect(() => node(group, alice, [], { peerName: 'has.dot' })).toThrow(TypeError)
    expect(() => node(group, alice, [], { peerName: 'x'.repeat(64) })).toThrow(TypeError)
    expect(() => node(group, alice, [], { interval: 0 })).toThrow(RangeError)
  })
})
