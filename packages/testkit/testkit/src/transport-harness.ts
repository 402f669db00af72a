/**
 * A transport under test with a `FakeUpgrader`: listen, connect and get both
 * raw ends of each connection, then `cleanup()` everything made through it.
 * Transport packages subclass it with their own factory and default address.
 *
 * @example
 * ```ts
 * class Harness extends TransportHarness<TcpConnection> {
 *   constructor(init: TcpInit = {}) {
 *     super(tcp(init)({ logger: defaultLogger() }), '/ip4/127.0.0.1/tcp/0')
 *   }
 * }
 * const harness = new Harness()
 * const { addr } = await harness.listen()
 * const { outbound, inbound } = await harness.connect(addr)
 * await harness.cleanup()
 * ```
 */
import type { Listener, MultiaddrConnection, Transport } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { type FakeConnection, FakeUpgrader } from './fake-upgrader.js'

export class TransportHarness<Conn extends MultiaddrConnection = MultiaddrConnection> {
  readonly upgrader = new FakeUpgrader()
  /** every connection to abort on cleanup, in the order they were made or tracked */
  protected readonly connections: Conn[] = []
  private readonly listeners: Listener[] = []

  constructor(
    readonly transport: Transport,
    private readonly defaultListenAddr: string,
  ) {}

  /** Listens on `addr` (the transport's default when omitted) and returns its first address. */
  async listen(
    addr: string | Multiaddr = this.defaultListenAddr,
  ): Promise<{ listener: Listener; addr: Multiaddr }> {
    const listener = this.transport.createListener({ upgrader: this.upgrader })
    this.listeners.push(listener)
    await listener.listen(typeof addr === 'string' ? multiaddr(addr) : addr)
    return { listener, addr: listener.getAddrs()[0] }
  }

  /** Dials `addr` (within 5 s) and returns both ends of the raw connection. */
  async connect(addr: Multiaddr): Promise<{ outbound: Conn; inbound: Conn }> {
    const connection = (await this.transport.dial(addr, {
      upgrader: this.upgrader,
      signal: AbortSignal.timeout(5_000),
    })) as FakeConnection
    const outbound = connection.maConn as Conn
    const inbound = (await this.upgrader.nextInbound()) as Conn
    this.connections.push(outbound, inbound)
    return { outbound, inbound }
  }

  /** Adds a connection made outside `connect()` to those `cleanup()` aborts. */
  track(conn: MultiaddrConnection): void {
    this.connections.push(conn as Conn)
  }

  /** Aborts every connection and closes every listener. */
  async cleanup(): Promise<void> {
    for (const conn of this.connections) conn.abort(new Error('test over'))
    await Promise.all(this.listeners.map(async (listener) => listener.close()))
  }
}
