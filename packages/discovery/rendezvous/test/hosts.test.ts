/**
 * The scenario on whole weft hosts: ten hosts (memory transport,
 * Noise, yamux) run the rendezvous client as a service, register under one
 * namespace at an eleventh host running the server, discover each other
 * through the host's `peer:discovery` event, and can then dial each other
 * with the addresses the signed peer records carried.
 */
import type { PeerInfo } from '@libp2p/interface'
import { createHost, type Host } from '@weft/host'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { delay } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type Rendezvous, type RendezvousServer, rendezvous, rendezvousServer } from '../src/index.js'

const hosts: Host[] = []
let nextName = 0

async function host<S extends Record<string, unknown>>(
  services: {
    [K in keyof S]: (components: never) => S[K]
  },
): Promise<Host<S>> {
  const created = await createHost({
    addresses: { listen: [`/memory/rendezvous-hosts-${process.pid}-${nextName++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // no auto-dial: the test decides who connects to whom
    connectionManager: { minConnections: 0 },
    services: services as never,
  })
  hosts.push(created as unknown as Host)
  return created as unknown as Host<S>
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (h) => h.stop()))
})

async function until(condition: () => boolean, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(20)
  }
}

describe('rendezvous between whole hosts', () => {
  it('ten hosts register under a namespace and each discovers the other nine', async () => {
    const point = await host<{ rendezvous: RendezvousServer }>({ rendezvous: rendezvousServer() })
    const pointAddr = point.getMultiaddrs()[0]!.toString()
    const members = await Promise.all(
      Array.from({ length: 10 }, async () =>
        host<{ rendezvous: Rendezvous }>({
          rendezvous: rendezvous({ rendezvousPoints: [pointAddr], namespaces: ['weft-test'] }),
        }),
      ),
    )
    const seen = members.map(() => new Map<string, PeerInfo>())
    members.forEach((member, i) => {
      member.addEventListener('peer:discovery', (evt) => {
        seen[i]!.set(evt.detail.id.toString(), evt.detail)
      })
    })
    // every member registered at start; ask once more now that all ten are in
    await until(() => point.services.rendezvous.registrations.size === 10)
    await Promise.all(
      members.map(async (member, i) => {
        const { registrations } = await member.services.rendezvous.discover(pointAddr, {
          namespace: 'weft-test',
        })
        for (const registration of registrations) {
          if (!registration.id.equals(member.peerId)) seen[i]!.set(registration.id.toString(), registration)
        }
      }),
    )
    members.forEach((member, i) => {
      const expected = members.filter((other) => other !== member).map((other) => other.peerId.toString())
      expect([...seen[i]!.keys()].sort()).toEqual(expected.sort())
    })
    // the addresses in the records are real: the first member reaches the last through them
    const last = members[9]!
    const info = seen[0]!.get(last.peerId.toString())!
    // a peer record lists addresses without the /p2p suffix
    expect(info.multiaddrs.map((ma) => `${ma.toString()}/p2p/${last.peerId.toString()}`)).toEqual(
      last.getMultiaddrs().map((ma) => ma.toString()),
    )
    await members[0]!.dial(info.multiaddrs[0]!.encapsulate(`/p2p/${last.peerId.toString()}`))
    expect(members[0]!.getPeers().map(String)).toContain(last.peerId.toString())
  })

  it('a registration expires on time, and the server refuses registrations over its limit', async () => {
    const point = await host<{ rendezvous: RendezvousServer }>({
      rendezvous: rendezvousServer({ minTtl: 1, maxRegistrationsPerPeer: 2 }),
    })
    const pointAddr = point.getMultiaddrs()[0]!.toString()
    const [a, b] = await Promise.all([
      host<{ rendezvous: Rendezvous }>({ rendezvous: rendezvous() }),
      host<{ rendezvous: Rendezvous }>({ rendezvous: rendezvous() }),
    ])
    expect(await a!.services.rendezvous.register(pointAddr, 'short', { ttl: 1 })).toBe(1)
    const listed = await b!.services.rendezvous.discover(pointAddr, { namespace: 'short' })
    expect(listed.registrations.map((r) => r.id.toString())).toEqual([a!.peerId.toString()])
    await delay(1_100)
    const after = await b!.services.rendezvous.discover(pointAddr, { namespace: 'short' })
    expect(after.registrations).toHaveLength(0)

    await a!.services.rendezvous.register(pointAddr, 'one', { ttl: 60 })
    await a!.services.rendezvous.register(pointAddr, 'two', { ttl: 60 })
    await expect(a!.services.rendezvous.register(pointAddr, 'three', { ttl: 60 })).rejects.toMatchObject({
      name: 'RendezvousError',
      status: 'E_UNAVAILABLE',
    })
    // another peer still has room of its own
    expect(await b!.services.rendezvous.register(pointAddr, 'three', { ttl: 60 })).toBe(60)
  })
})
