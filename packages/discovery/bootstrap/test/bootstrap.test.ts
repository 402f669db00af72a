import {
  type Connection,
  type Libp2pEvents,
  type PeerData,
  type PeerId,
  type PeerInfo,
  peerDiscoverySymbol,
  TypedEventEmitter,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { defaultLogger, delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Bootstrap, type BootstrapInit, bootstrap } from '../src/index.js'

const ids = [
  '12D3KooWFQ7Q8NMtQ5REeJ6mkFt5jLcKHPaEQquFAu3rv7fHXvNf',
  '12D3KooWJQX4h3nD1xKStbp6Af81UBVyDLmFdmbUyb7g83Yda5S2',
].map((id) => peerIdFromString(id))
const other = peerIdFromString('12D3KooWPkiL13baqQ23xb8d32navE6tAZXoeVJJx1zG33pyVfDZ')
const list = ids.map((id, i) => `/ip4/127.0.0.1/tcp/${4001 + i}/p2p/${id.toString()}`)

/** Components whose dials fail `failFirst` times per peer, then succeed. */
function fakeComponents(failFirst = 0) {
  const events = new TypedEventEmitter<Libp2pEvents>()
  const merged: Array<{ id: PeerId; data: PeerData }> = []
  const dials: string[] = []
  const connected = new Set<string>()
  const attempts = new Map<string, number>()
  return {
    merged,
    dials,
    connected,
    events,
    components: {
      events,
      logger: defaultLogger(),
      peerStore: {
        async merge(id: PeerId, data: PeerData) {
          merged.push({ id, data })
          return {} as never
        },
      },
      connectionManager: {
        async openConnection(target: Multiaddr[]): Promise<Connection> {
          const key = target[0]!.getComponents().at(-1)!.value!
          dials.push(key)
          const count = (attempts.get(key) ?? 0) + 1
          attempts.set(key, count)
          if (count <= failFirst) throw new Error('connection refused')
          connected.add(key)
          return {} as Connection
        },
        getConnections(peerId?: PeerId): Connection[] {
          return peerId != null && connected.has(peerId.toString()) ? [{} as Connection] : []
        },
      },
    },
  }
}

async function until(condition: () => boolean, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(10)
  }
}

const running: Bootstrap[] = []
function create(
  components: ReturnType<typeof fakeComponents>['components'],
  init: Partial<BootstrapInit> = {},
) {
  const service = bootstrap({ list, timeout: 10, retryDelay: 20, maxRetryDelay: 80, ...init })(components)
  running.push(service)
  return service
}

afterEach(() => {
  for (const service of running.splice(0)) service.stop()
})

describe('bootstrap', () => {
  it('announces, tags and dials every listed peer after the timeout', async () => {
    const fake = fakeComponents()
    const service = create(fake.components, { tagValue: 70, tagTTL: 5000 })
    const found: PeerInfo[] = []
    service.addEventListener('peer', (evt) => found.push(evt.detail))
    service.start()
    await until(() => found.length === 2 && fake.dials.length === 2)
    expect(found.map((info) => info.id.toString()).sort()).toEqual(ids.map(String).sort())
    expect(found[0]!.multiaddrs[0]!.toString()).toContain('/tcp/')
    const tags = fake.merged[0]!.data.tags as Record<string, { value: number; ttl: number }>
    expect(tags.bootstrap).toEqual({ value: 70, ttl: 5000 })
  })

  it('retries a failing peer with backoff until it connects', async () => {
    const fake = fakeComponents(3)
    const service = create(fake.components)
    service.start()
    await until(() => fake.connected.size === 2)
    // three failures and one success per peer
    expect(fake.dials.filter((key) => key === ids[0]!.toString())).toHaveLength(4)
  })

  it('reconnects after a bootstrap peer disconnects, and ignores other peers', async () => {
    const fake = fakeComponents()
    const service = create(fake.components)
    service.start()
    await until(() => fake.connected.size === 2)
    fake.connected.delete(ids[0]!.toString())
    fake.events.safeDispatchEvent('peer:disconnect', { detail: ids[0]! })
    fake.events.safeDispatchEvent('peer:disconnect', { detail: other })
    await until(() => fake.connected.has(ids[0]!.toString()))
    expect(fake.dials).toHaveLength(3)
  })

  it('emits nothing and dials nothing after stop; stop is idempotent', async () => {
    const fake = fakeComponents(100)
    const service = create(fake.components, { timeout: 50 })
    let events = 0
    service.addEventListener('peer', () => events++)
    service.start()
    service.stop()
    service.stop()
    await delay(120)
    expect(events).toBe(0)
    expect(fake.dials).toHaveLength(0)
    expect(service.isStarted()).toBe(false)
  })

  it('refuses bad configuration', () => {
    const { components } = fakeComponents()
    expect(() => new Bootstrap(components, { list: ['/ip4/127.0.0.1/tcp/1'] })).toThrow(TypeError)
    expect(() => new Bootstrap(components, { list: Array(300).fill(list[0]) })).toThrow(RangeError)
    expect(() => new Bootstrap(components, { list, retryDelay: -1 })).toThrow(RangeError)
  })

  it('exposes itself as a peer discovery module', () => {
    const service = create(fakeComponents().components)
    expect(service[peerDiscoverySymbol]).toBe(service)
    expect(Object.prototype.toString.call(service)).toBe('[object @weft/bootstrap]')
  })
})
