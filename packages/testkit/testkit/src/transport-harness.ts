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
import type { Listener, MultiaddrConnection, Transport, UpgraderOptions } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal, delay } from '@weft/utils'
import { waitFor } from './connection-helpers.js'
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

  /** `failBothUpgrades` on a listener of this harness (see there). */
  async failBothUpgrades(): Promise<FailedUpgrades> {
    const { addr } = await this.listen()
    return failBothUpgrades(this.transport, this.upgrader, addr)
  }
}

export interface FailedUpgrades {
  /** every abort of the two raw connections, as `direction: message` */
  aborts: string[]
  /** how often the listener asked the upgrader for an inbound timeout */
  inboundTimeoutsAsked: number
  /** whether the signal the listener handed over was already aborted */
  handedOverSignalAborted: boolean | undefined
  /** how the dial failed */
  dialError: Error | undefined
}

/**
 * Dials `addr` (a listener of `transport` using `upgrader`) and fails the
 * upgrade on both sides the way weft's upgrader does (abort the connection,
 * then reject), listener side first; reports what the transport did. A
 * transport that leaves a failed upgrade to the upgrader shows exactly two
 * aborts, asks for no timeout and hands over a live signal.
 */
export async function failBothUpgrades(
  transport: Transport,
  upgrader: FakeUpgrader,
  addr: Multiaddr,
): Promise<FailedUpgrades> {
  const aborts: string[] = []
  const failLikeWeft = (maConn: MultiaddrConnection, err: Error): never => {
    const abort = maConn.abort.bind(maConn)
    maConn.abort = (reason: Error) => {
      aborts.push(`${maConn.direction}: ${reason.message}`)
      abort(reason)
    }
    maConn.abort(err)
    throw err
  }
  let inboundTimeoutsAsked = 0
  upgrader.createInboundAbortSignal = (signal: AbortSignal) => {
    inboundTimeoutsAsked++
    return anySignal([signal])
  }
  let handedOver: AbortSignal | undefined
  let dialling = false
  upgrader.upgradeInbound = async (maConn: MultiaddrConnection, options: UpgraderOptions) => {
    handedOver = options.signal
    await waitFor(() => dialling)
    failLikeWeft(maConn, new Error('inbound upgrade failed'))
  }
  upgrader.beforeOutbound = async (maConn: MultiaddrConnection) => {
    dialling = true
    await waitFor(() => aborts.length === 1)
    failLikeWeft(maConn, new Error('outbound upgrade failed'))
  }
  let dialError: Error | undefined
  try {
    const connection = (await transport.dial(addr, {
      upgrader,
      signal: AbortSignal.timeout(2_000),
    })) as FakeConnection
    connection.maConn.abort(new Error('the upgrade was meant to fail'))
  } catch (err) {
    dialError = err as Error
  }
  await delay(50)
  return { aborts, inboundTimeoutsAsked, handedOverSignalAborted: handedOver?.aborted, dialError }
}
