import { createServer, type Server } from 'node:net'
import { ListenError, type MultiaddrConnection } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { closeServer, ListenerBase } from './listener-base.js'
import { defaultLogger } from './logger.js'

/** Just enough of a connection for the listener: status, close, abort, a 'close' event. */
class FakeConnection extends EventTarget {
  status: MultiaddrConnection['status'] = 'open'
  readonly remoteAddr = multiaddr('/ip4/127.0.0.1/tcp/1234')
  abortedWith?: Error
  constructor(private readonly closeFails = false) {
    super()
  }
  async close(): Promise<void> {
    if (this.closeFails) throw new Error('close failed')
    this.end()
  }
  abort(err: Error): void {
    this.abortedWith = err
    this.end()
  }
  end(): void {
    this.status = 'closed'
    this.dispatchEvent(new Event('close'))
  }
}

type Conn = FakeConnection & MultiaddrConnection

class TestListener extends ListenerBase<Conn> {
  readonly signals: AbortSignal[] = []
  readonly steps: string[] = []
  server?: Server

  constructor(maxConnections?: number) {
    super({
      transport: 'test',
      logger: defaultLogger(),
      maxConnections,
      upgrader: {
        // never settles by itself: the listener's shutdown signal is what ends it
        upgradeInbound: async (_connection, options) => {
          this.signals.push(options.signal as AbortSignal)
          await new Promise((_resolve, reject) =>
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true }),
          )
          return undefined as never
        },
      },
    })
  }

  async listen(ma: Multiaddr): Promise<void> {
    this.checkCanListen(ma, this.server != null)
    const server = createServer()
    this.server = server
    await this.bindServer(server, ma, { host: '127.0.0.1', port: Number(ma.toString().split('/')[4]) })
    this.safeDispatchEvent('listening')
  }

  getAddrs(): Multiaddr[] {
    const address = this.server?.address()
    return address == null || typeof address === 'string'
      ? []
      : [multiaddr(`/ip4/127.0.0.1/tcp/${address.port}`)]
  }

  add(connection: FakeConnection): boolean {
    if (this.isFull || this.closed) return false
    this.handOver(connection as Conn)
    return true
  }

  protected async release(closeConnections: () => Promise<void>): Promise<void> {
    const closed = closeServer(this.server)
    this.steps.push('stop accepting')
    await closeConnections()
    this.steps.push('connections closed')
    await closed
  }
}

const ma = multiaddr('/ip4/127.0.0.1/tcp/0')
let listener: TestListener | undefined

afterEach(async () => {
  await listener?.close()
  listener = undefined
})

describe('ListenerBase', () => {
  it('tracks accepted connections until they close and refuses above maxConnections', () => {
    listener = new TestListener(2)
    const [a, b, c] = [new FakeConnection(), new FakeConnection(), new FakeConnection()]
    expect(listener.add(a)).toBe(true)
    expect(listener.add(b)).toBe(true)
    expect(listener.add(c)).toBe(false)
    expect(listener.connectionCount).toBe(2)
    a.end()
    expect(listener.connectionCount).toBe(1)
    expect(listener.add(c)).toBe(true)
  })

  it('closes once: aborts the upgrades, closes every connection, aborts one that fails to, then emits close', async () => {
    listener = new TestListener()
    const good = new FakeConnection()
    const stuck = new FakeConnection(true)
    listener.add(good)
    listener.add(stuck)
    let closeEvents = 0
    listener.addEventListener('close', () => closeEvents++)
    await Promise.all([listener.close(), listener.close()])
    expect(closeEvents).toBe(1)
    expect(listener.signals.map((signal) => signal.aborted)).toEqual([true, true])
    expect(listener.steps).toEqual(['stop accepting', 'connections closed'])
    expect(good.abortedWith).toBeUndefined()
    expect(stuck.abortedWith?.message).toBe('close failed')
    expect(listener.connectionCount).toBe(0)
    expect(listener.add(new FakeConnection())).toBe(false)
  })

  it('binds a server, refuses a second listen and listening after close', async () => {
    listener = new TestListener()
    const events: string[] = []
    listener.addEventListener('listening', () => events.push('listening'))
    await listener.listen(ma)
    expect(listener.server?.listening).toBe(true)
    expect(events).toEqual(['listening'])
    await expect(listener.listen(ma)).rejects.toThrow(/already listening on \/ip4\/127.0.0.1\/tcp\/\d+/)
    await listener.close()
    expect(listener.server?.listening).toBe(false)
    await expect(listener.listen(ma)).rejects.toThrow(
      new ListenError(`cannot listen on ${ma}: the listener is closed`),
    )
  })

  it('closes a server that finished binding after close() ran', async () => {
    listener = new TestListener()
    const listening = listener.listen(ma)
    await listener.close()
    await expect(listening).rejects.toThrow(/the listener closed/)
    expect(listener.server?.listening).toBe(false)
  })

  it('reports a failed bind as a ListenError and later server errors as error events', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve))
    const port = (taken.address() as { port: number }).port
    try {
      listener = new TestListener()
      const failed = listener.listen(multiaddr(`/ip4/127.0.0.1/tcp/${port}`))
      await expect(failed).rejects.toBeInstanceOf(ListenError)
      listener = new TestListener()
      await listener.listen(ma)
      const errors: Error[] = []
      listener.addEventListener('error', (event) => errors.push(event.detail))
      listener.server?.emit('error', new Error('boom'))
      expect(errors.map((err) => err.message)).toEqual(['boom'])
    } finally {
      await closeServer(taken)
    }
  })
})
