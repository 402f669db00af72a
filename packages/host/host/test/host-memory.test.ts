import type { Connection, PeerId } from '@libp2p/interface'
import { memory } from '@weft/memory'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host, type HostInit } from '../src/host.js'
import { echo, encode, readAll } from './fixtures/peer.js'

const hosts: Host[] = []
let nextName = 0

async function memoryHost(init: HostInit = {}): Promise<Host> {
  const host = await createHost({
    addresses: { listen: [`/memory/host-test-${process.pid}-${nextName++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(), mplex()],
    ...init,
  })
  hosts.push(host)
  return host
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

describe('hosts over the memory transport', () => {
  it('connect, echo, and see each other as peers', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    await b.handle('/echo/1.0.0', (stream) => echo(stream))
    const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, '/echo/1.0.0')
    stream.send(encode('in memory'))
    await stream.close()
    expect(await readAll(stream)).toBe('in memory')
    expect(a.getPeers().map(String)).toEqual([b.peerId.toString()])
    expect(b.getPeers().map(String)).toEqual([a.peerId.toString()])
    expect(b.getConnections()[0]?.remoteAddr.toString()).toMatch(/^\/memory\//)
  })

  it('gives concurrent forced dials a connection each, and unforced ones the same', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    const target = b.getMultiaddrs()[0]!
    const forced = await Promise.all([a.dial(target, { force: true }), a.dial(target, { force: true })])
    expect(forced[0]!.id).not.toBe(forced[1]!.id)
    await forced[0]!.close()
    expect(forced[1]!.status).toBe('open')
    const shared = await Promise.all([a.dial(b.peerId), a.dial(b.peerId)])
    expect(shared[0]!.id).toBe(shared[1]!.id)
  })

  it('runs many streams over one connection at once', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    await b.handle('/echo/1.0.0', (stream) => echo(stream), { maxInboundStreams: 64 })
    const texts = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, '/echo/1.0.0')
        stream.send(encode(`message ${i}`))
        await stream.close()
        return readAll(stream)
      }),
    )
    expect(texts).toEqual(Array.from({ length: 32 }, (_, i) => `message ${i}`))
    expect(a.getConnections()).toHaveLength(1)
  })

  it('tells a topology about a peer once identify reports the protocol', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    const connected: PeerId[] = []
    const disconnected: PeerId[] = []
    await a.register('/topic/1.0.0', {
      onConnect: (peer) => void connected.push(peer),
      onDisconnect: (peer) => void disconnected.push(peer),
    })
    const connection = await a.dial(b.getMultiaddrs()[0]!)
    // what an identify service does once it learnt the remote's protocols
    a.safeDispatchEvent('peer:identify', {
      detail: { peerId: b.peerId, protocols: ['/topic/1.0.0'], listenAddrs: [], connection },
    })
    expect(connected.map(String)).toEqual([b.peerId.toString()])
    await a.hangUp(b.peerId)
    expect(disconnected.map(String)).toEqual([b.peerId.toString()])
  })

  it('passes a typed components object to services and starts and stops them in order', async () => {
    const calls: string[] = []
    let seen: unknown
    const service = (components: Parameters<NonNullable<HostInit['transports']>[number]>[0]) => {
      seen = components
      return {
        beforeStart: () => void calls.push('beforeStart'),
        start: async () => {
          calls.push('start')
          await components.registrar.handle('/svc/1.0.0', (stream) => echo(stream))
        },
        afterStart: () => void calls.push('afterStart'),
        beforeStop: () => void calls.push('beforeStop'),
        stop: () => void calls.push('stop'),
        afterStop: () => void calls.push('afterStop'),
        hello: () => 'hi',
      }
    }
    const host = await memoryHost({ services: { svc: service } })
    expect((host.services as { svc: { hello(): string } }).svc.hello()).toBe('hi')
    expect(seen).toBe(host.components)
    expect(host.components.events).toBe(host)
    expect(host.getProtocols()).toContain('/svc/1.0.0')
    await host.stop()
    expect(calls).toEqual(['beforeStart', 'start', 'afterStart', 'beforeStop', 'stop', 'afterStop'])
  })

  it('peerRouting and contentRouting throw typed errors without routing services', async () => {
    const host = await memoryHost()
    await expect(host.peerRouting.findPeer(host.peerId)).rejects.toMatchObject({ name: 'NoPeerRoutersError' })
    await expect(host.contentRouting.get(new Uint8Array(1))).rejects.toMatchObject({
      name: 'NoContentRoutersError',
    })
  })

  it("follows a service's weft:reachability events in host.reachability, read-only", async () => {
    const host = await memoryHost({
      services: {
        // dispatches the way @weft/autonat does: on the host's event bus
        fakeAutonat: (components: { events: EventTarget }) => ({
          announce: (reachability: string) =>
            components.events.dispatchEvent(new CustomEvent('weft:reachability', { detail: reachability })),
        }),
      },
    })
    const service = host.services.fakeAutonat as { announce(reachability: string): void }
    expect(host.reachability).toBe('unknown')
    service.announce('public')
    expect(host.reachability).toBe('public')
    // a detail that is not a reachability is ignored
    service.announce('sideways')
    expect(host.reachability).toBe('public')
    service.announce('private')
    expect(host.reachability).toBe('private')
    expect(() => {
      ;(host as unknown as { reachability: string }).reachability = 'public'
    }).toThrow(TypeError)
    expect(host.reachability).toBe('private')
    await host.stop()
    expect(host.reachability).toBe('unknown')
  })

  it('returns public keys it knows and NotFoundError for others', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    expect((await a.getPublicKey(b.peerId)).equals(b.peerId.publicKey)).toBe(true)
    expect(await a.isDialable(b.getMultiaddrs()[0]!)).toBe(true)
    const connection: Connection = await a.dial(b.getMultiaddrs())
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
  })
})
