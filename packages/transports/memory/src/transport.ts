/**
 * The memory `Transport`: dials find the listener by name in the registry
 * and get a joined in-process connection pair.
 */
import {
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type Logger,
  type Transport,
  transportSymbol,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { delay, throwIfAborted, upgradeOutbound } from '@weft/utils'
import { isMemoryAddr, toMemoryName } from './address.js'
import { DEFAULT_CAPACITY, DEFAULT_CLOSE_TIMEOUT } from './connection.js'
import { DialError } from './errors.js'
import { type LinkOptions, MemoryListener } from './listener.js'
import { defaultRegistry, type MemoryRegistry } from './registry.js'

export interface MemoryInit {
  /** one-way delay in ms of every delivery; a dial takes two (default 0) */
  latency?: number
  /** bytes in flight per direction before `send()` asks to wait (default 256 KiB) */
  capacity?: number
  /** ms a graceful close waits for the peer (default 500) */
  closeTimeout?: number
  /** connections a listener holds at once (default 1024) */
  maxConnections?: number
  /** unread bytes a connection buffers before it aborts (default @weft/utils', 4 MiB) */
  maxReadBufferLength?: number
  /** unsent bytes a connection buffers before it aborts (default unlimited: callers honour `send()`) */
  maxWriteBufferLength?: number
  /** the directory of listeners (default: one shared by the whole process) */
  registry?: MemoryRegistry
}

export interface MemoryComponents {
  logger: ComponentLogger
}

const DEFAULT_MAX_CONNECTIONS = 1024

export class MemoryTransport implements Transport {
  readonly [Symbol.toStringTag] = '@weft/memory'
  readonly [transportSymbol] = true as const
  private readonly init: MemoryInit
  private readonly components: MemoryComponents
  private readonly log: Logger
  private readonly registry: MemoryRegistry
  private readonly link: LinkOptions

  constructor(init: MemoryInit, components: MemoryComponents) {
    this.init = init
    this.components = components
    this.log = components.logger.forComponent('weft:memory')
    this.registry = init.registry ?? defaultRegistry
    this.link = {
      latency: Math.max(0, init.latency ?? 0),
      capacity: Math.max(1, init.capacity ?? DEFAULT_CAPACITY),
      closeTimeout: init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      maxReadBufferLength: init.maxReadBufferLength,
      maxWriteBufferLength: init.maxWriteBufferLength,
    }
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    const name = toMemoryName(ma)
    if (this.link.latency > 0) {
      if (this.registry.get(name) == null)
        throw new DialError(ma.toString(), `nobody listens on /memory/${name}`)
      // connection setup costs a round trip
      await delay(2 * this.link.latency, { signal: options.signal })
    }
    const listener = this.registry.get(name)
    if (listener == null) throw new DialError(ma.toString(), `nobody listens on /memory/${name}`)
    const connection = listener.accept(ma, this.link)
    this.log('connected to %a', ma)
    const { upgrader, ...upgradeOptions } = options
    return upgradeOutbound(upgrader, connection, upgradeOptions)
  }

  createListener(options: CreateListenerOptions): Listener {
    return new MemoryListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      registry: this.registry,
      link: this.link,
      maxConnections: this.init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    })
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isMemoryAddr)

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isMemoryAddr)
}
