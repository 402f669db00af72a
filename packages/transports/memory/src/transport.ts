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
import { type MemoryConfig, type MemoryInit, resolveConfig } from './config.js'
import { DialError } from './errors.js'
import { MemoryListener } from './listener.js'

export interface MemoryComponents {
  logger: ComponentLogger
}

export class MemoryTransport implements Transport {
  readonly [Symbol.toStringTag] = '@weft/memory'
  readonly [transportSymbol] = true as const
  private readonly config: MemoryConfig
  private readonly components: MemoryComponents
  private readonly log: Logger

  constructor(init: MemoryInit, components: MemoryComponents) {
    this.config = resolveConfig(init)
    this.components = components
    this.log = components.logger.forComponent('weft:memory')
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    const name = toMemoryName(ma)
    if (this.config.link.latency > 0) {
      if (this.config.registry.get(name) == null)
        throw new DialError(ma.toString(), `nobody listens on /memory/${name}`)
      // connection setup costs a round trip
      await delay(2 * this.config.link.latency, { signal: options.signal })
    }
    const listener = this.config.registry.get(name)
    if (listener == null) throw new DialError(ma.toString(), `nobody listens on /memory/${name}`)
    const connection = listener.accept(ma, this.config.link)
    this.log('connected to %a', ma)
    const { upgrader, ...upgradeOptions } = options
    return upgradeOutbound(upgrader, connection, upgradeOptions)
  }

  createListener(options: CreateListenerOptions): Listener {
    return new MemoryListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      registry: this.config.registry,
      link: this.config.link,
      maxConnections: this.config.maxConnections,
    })
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isMemoryAddr)

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isMemoryAddr)
}
