/**
 * The transport manager: which transport dials an address (the first whose
 * `dialFilter` accepts it), and the listeners opened on `addresses.listen`.
 * Starting fails with `UnsupportedListenAddressError` when no transport can
 * listen on a requested address, and with `ListenError` when a listener
 * cannot bind; stopping closes every listener.
 */
import {
  type ComponentLogger,
  type Connection,
  type Libp2pEvents,
  ListenError,
  type Listener,
  type Logger,
  type Startable,
  type Transport,
  type TypedEventTarget,
  type Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, raceSignal, reportProgress } from '@weft/utils'
import type {
  TransportManagerDialOptions,
  TransportManager as TransportManagerInterface,
} from './components.js'
import { resolveTransportManagerConfig, type TransportManagerConfig } from './config.js'
import { InvalidParametersError, TransportUnavailableError, UnsupportedListenAddressError } from './errors.js'
import { withoutPeerId } from './internal/addresses.js'

export interface TransportManagerComponents {
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  /** read at dial and listen time */
  upgrader: Upgrader
  /** holds a file descriptor for each listening socket (a circuit listener has none) */
  resourceManager?: { openListener(): () => void }
}

export interface TransportManagerInit {
  /** addresses to listen on when started */
  listen?: Multiaddr[]
  /** ms a listener may take to close before it is left behind (default 5 000) */
  listenerCloseTimeout?: number
}

export class TransportManager implements TransportManagerInterface, Startable {
  private readonly transports = new Map<string, Transport>()
  private readonly listeners = new Map<string, Listener[]>()
  private readonly log: Logger

  constructor(
    private readonly components: TransportManagerComponents,
    private readonly config: TransportManagerConfig = resolveTransportManagerConfig(),
  ) {
    this.log = components.logger.forComponent('weft:transport-manager')
  }

  add(transport: Transport): void {
    const key = transport[Symbol.toStringTag]
    if (typeof key !== 'string' || key === '') {
      throw new InvalidParametersError('a transport needs a Symbol.toStringTag name')
    }
    if (this.transports.has(key))
      throw new InvalidParametersError(`a transport named ${key} is already added`)
    this.transports.set(key, transport)
    this.listeners.set(key, [])
  }

  async remove(key: string): Promise<void> {
    await this.closeListeners(key)
    this.transports.delete(key)
    this.listeners.delete(key)
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.transports.keys()].map(async (key) => this.remove(key)))
  }

  getTransports(): Transport[] {
    return [...this.transports.values()]
  }

  getListeners(): Listener[] {
    return [...this.listeners.values()].flat()
  }

  getAddrs(): Multiaddr[] {
    return this.getListeners().flatMap((listener) => listener.getAddrs())
  }

  dialTransportForMultiaddr(ma: Multiaddr): Transport | undefined {
    return this.pickDialTransport(ma)?.transport
  }

  listenTransportForMultiaddr(ma: Multiaddr): Transport | undefined {
    for (const transport of this.transports.values()) {
      if (transport.listenFilter([ma]).length > 0) return transport
    }
    return undefined
  }

  async dial(ma: Multiaddr, options: TransportManagerDialOptions = {}): Promise<Connection> {
    const picked = this.pickDialTransport(ma)
    if (picked == null) throw new TransportUnavailableError(`no transport can dial ${ma.toString()}`)
    const { transport, address } = picked
    reportProgress(options, 'transport-manager:selected-transport', transport[Symbol.toStringTag])
    const signal = anySignal([options.signal])
    try {
      return await transport.dial(address, {
        upgrader: options.upgrader ?? this.components.upgrader,
        signal,
        // The transport's own events (`tcp:open-connection`, …) go to the
        // caller's listener, as js-libp2p's do: @libp2p/interface types that
        // listener for the transport manager's events only, so no typed
        // listener can take both without widening every caller's type.
        onProgress: options.onProgress as never,
        // a transport that cannot choose its port ignores it (TCP dials from a new one anyway)
        ...(options.portUse == null ? {} : { portUse: options.portUse }),
      } as Parameters<Transport['dial']>[1])
    } finally {
      signal.clear()
    }
  }

  async start(): Promise<void> {
    await this.listen([...this.config.listen])
  }

  async stop(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map(async (key) => this.closeListeners(key)))
  }

  async listen(addrs: Multiaddr[]): Promise<void> {
    const plan: Array<{ key: string; transport: Transport; address: Multiaddr }> = []
    for (const address of addrs) {
      const entry = [...this.transports.entries()].find(
        ([, transport]) => transport.listenFilter([address]).length > 0,
      )
      if (entry == null) {
        throw new UnsupportedListenAddressError(
          `no configured transport can listen on ${address.toString()} (transports: ${[...this.transports.keys()].join(', ') || 'none'})`,
        )
      }
      plan.push({ key: entry[0], transport: entry[1], address })
    }
    for (const { key, transport, address } of plan) {
      await this.startListener(key, transport, address)
    }
  }

  private async startListener(key: string, transport: Transport, address: Multiaddr): Promise<void> {
    const { events } = this.components
    // a socket's descriptor, before the socket exists: a full system scope refuses the listen
    const releaseFd = holdsSocket(address) ? this.components.resourceManager?.openListener() : undefined
    let listener: Listener
    try {
      listener = transport.createListener({ upgrader: this.components.upgrader })
    } catch (err) {
      releaseFd?.()
      throw err
    }
    let announced = false
    listener.addEventListener('listening', () => {
      announced = true
      events.safeDispatchEvent('transport:listening', { detail: listener })
    })
    listener.addEventListener(
      'close',
      () => {
        const list = this.listeners.get(key)
        const index = list?.indexOf(listener) ?? -1
        if (index !== -1) list!.splice(index, 1)
        releaseFd?.()
        events.safeDispatchEvent('transport:close', { detail: listener })
      },
      { once: true },
    )
    this.listeners.get(key)?.push(listener)
    try {
      await listener.listen(address)
    } catch (err) {
      const list = this.listeners.get(key)
      if (list?.includes(listener) === true) list.splice(list.indexOf(listener), 1)
      await this.closeListener(listener)
      releaseFd?.()
      throw new ListenError(`could not listen on ${address.toString()}: ${(err as Error).message}`)
    }
    this.log('listening on %s', listener.getAddrs().map(String).join(', '))
    if (!announced) events.safeDispatchEvent('transport:listening', { detail: listener })
  }

  private async closeListeners(key: string): Promise<void> {
    const list = this.listeners.get(key) ?? []
    await Promise.all([...list].map(async (listener) => this.closeListener(listener)))
    list.length = 0
  }

  private async closeListener(listener: Listener): Promise<void> {
    const signal = anySignal([], this.config.listenerCloseTimeout)
    try {
      await raceSignal(listener.close(), signal)
    } catch (err) {
      this.log.error('a listener did not close: %s', (err as Error).message)
    } finally {
      signal.clear()
    }
  }

  /** The transport for `ma`, and the form of `ma` it accepts (some refuse a trailing /p2p/). */
  private pickDialTransport(ma: Multiaddr): { transport: Transport; address: Multiaddr } | undefined {
    const bare = withoutPeerId(ma)
    for (const transport of this.transports.values()) {
      if (transport.dialFilter([ma]).length > 0) return { transport, address: ma }
      if (bare !== ma && transport.dialFilter([bare]).length > 0) return { transport, address: bare }
    }
    return undefined
  }
}

/** Whether listening on `address` opens a socket of this host's (a relay circuit's listener opens none). */
function holdsSocket(address: Multiaddr): boolean {
  return !address.getComponents().some((component) => component.name === 'p2p-circuit')
}
