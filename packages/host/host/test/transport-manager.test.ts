import {
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type Transport,
  TypedEventEmitter,
  transportSymbol,
  type Upgrader,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { defaultLogger } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { TransportManager } from '../src/transport-manager.js'
import { record } from './fixtures/peer.js'

class FakeListener extends TypedEventEmitter<{
  listening: CustomEvent
  error: CustomEvent<Error>
  close: CustomEvent
}> {
  addrs: Multiaddr[] = []
  closed = false
  constructor(private readonly fail: boolean) {
    super()
  }
  async listen(ma: Multiaddr): Promise<void> {
    if (this.fail) throw new Error('address in use')
    this.addrs = [ma]
  }
  getAddrs(): Multiaddr[] {
    return this.addrs
  }
  async close(): Promise<void> {
    this.closed = true
    this.addrs = []
    this.safeDispatchEvent('close')
  }
  updateAnnounceAddrs(): void {}
}

/** A transport for one protocol name, e.g. 'memory'; refuses addresses ending in /p2p/ when `bareOnly`. */
function fakeTransport(name: string, options: { bareOnly?: boolean; failListen?: boolean } = {}) {
  const dialed: string[] = []
  const listeners: FakeListener[] = []
  const accepts = (ma: Multiaddr): boolean => {
    const components = ma.getComponents()
    if (components[0]?.name !== name) return false
    return options.bareOnly !== true || components[components.length - 1]?.name !== 'p2p'
  }
  const transport: Transport = {
    [Symbol.toStringTag]: `@test/${name}`,
    [transportSymbol]: true,
    dial: async (ma: Multiaddr, _options: DialTransportOptions) => {
      dialed.push(ma.toString())
      return {} as Connection
    },
    createListener: (_options: CreateListenerOptions) => {
      const listener = new FakeListener(options.failListen === true)
      listeners.push(listener)
      return listener as unknown as Listener
    },
    listenFilter: (addrs) => addrs.filter(accepts),
    dialFilter: (addrs) => addrs.filter(accepts),
  }
  return { transport, dialed, listeners }
}

function manager() {
  const events = new TypedEventEmitter()
  const tm = new TransportManager({
    logger: defaultLogger(),
    events: events as never,
    upgrader: {} as Upgrader,
  })
  return { tm, events }
}

const peer = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

describe('TransportManager', () => {
  it('picks the transport whose dialFilter accepts the address, stripping /p2p/ for those that need it', async () => {
    const { tm } = manager()
    const memory = fakeTransport('memory', { bareOnly: true })
    const ip4 = fakeTransport('ip4')
    tm.add(memory.transport)
    tm.add(ip4.transport)
    expect(() => tm.add(ip4.transport)).toThrow(expect.objectContaining({ name: 'InvalidParametersError' }))
    await tm.dial(multiaddr(`/memory/x/p2p/${peer}`))
    await tm.dial(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${peer}`))
    expect(memory.dialed).toEqual(['/memory/x'])
    expect(ip4.dialed).toEqual([`/ip4/127.0.0.1/tcp/1/p2p/${peer}`])
    expect(tm.dialTransportForMultiaddr(multiaddr('/ip6/::1/tcp/1'))).toBeUndefined()
    await expect(tm.dial(multiaddr('/ip6/::1/tcp/1'))).rejects.toMatchObject({
      name: 'TransportUnavailableError',
    })
    expect(tm.getTransports()).toHaveLength(2)
  })

  it('listens, reports transport:listening and transport:close, and closes listeners on stop', async () => {
    const { tm, events } = manager()
    const memory = fakeTransport('memory')
    tm.add(memory.transport)
    const listening = record(events, 'transport:listening')
    const closing = record(events, 'transport:close')
    await tm.listen([multiaddr('/memory/a'), multiaddr('/memory/b')])
    expect(tm.getAddrs().map(String)).toEqual(['/memory/a', '/memory/b'])
    expect(listening).toHaveLength(2)
    await tm.stop()
    expect(memory.listeners.every((listener) => listener.closed)).toBe(true)
    expect(closing).toHaveLength(2)
    expect(tm.getListeners()).toEqual([])
  })

  it('fails with UnsupportedListenAddressError when no transport can listen on an address', async () => {
    const { tm } = manager()
    tm.add(fakeTransport('memory').transport)
    await expect(tm.listen([multiaddr('/ip4/127.0.0.1/tcp/0')])).rejects.toMatchObject({
      name: 'UnsupportedListenAddressError',
      message: expect.stringContaining('/ip4/127.0.0.1/tcp/0'),
    })
  })

  it('fails with ListenError when a listener cannot bind, leaving no listener behind', async () => {
    const { tm } = manager()
    const broken = fakeTransport('memory', { failListen: true })
    tm.add(broken.transport)
    await expect(tm.listen([multiaddr('/memory/a')])).rejects.toMatchObject({ name: 'ListenError' })
    expect(tm.getListeners()).toEqual([])
    expect(broken.listeners[0]?.closed).toBe(true)
  })

  it("remove() closes that transport's listeners and forgets it", async () => {
    const { tm } = manager()
    const memory = fakeTransport('memory')
    tm.add(memory.transport)
    await tm.listen([multiaddr('/memory/a')])
    await tm.remove('@test/memory')
    expect(tm.getTransports()).toEqual([])
    expect(memory.listeners[0]?.closed).toBe(true)
  })
})
