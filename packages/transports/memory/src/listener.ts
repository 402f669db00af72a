/**
 * A memory `Listener`: claims `/memory/<name>` in a registry; each dial makes
 * a joined connection pair whose inbound end goes to `upgrader.upgradeInbound`.
 * A failed upgrade aborts that connection only. `close()` releases the name,
 * closes every connection it accepted and emits `'close'`. What all
 * listeners share is `ListenerBase` (@weft/utils).
 */
import type { ComponentLogger, Upgrader } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { ListenerBase } from '@weft/utils'
import { toMemoryName } from './address.js'
import { type MemoryConnection, memoryConnectionPair } from './connection.js'
import { DialError } from './errors.js'
import type { MemoryRegistry } from './registry.js'

/** How a link behaves; the dialer's and the listener's settings are combined. */
export interface LinkOptions {
  latency: number
  capacity: number
  closeTimeout: number
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
}

export interface MemoryListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  registry: MemoryRegistry
  link: LinkOptions
  maxConnections: number
}

let nextDialerId = 0

export class MemoryListener extends ListenerBase<MemoryConnection> {
  private readonly init: MemoryListenerInit
  private name?: string

  constructor(init: MemoryListenerInit) {
    super({
      transport: 'memory',
      upgrader: init.upgrader,
      logger: init.logger,
      maxConnections: init.maxConnections,
    })
    this.init = init
  }

  async listen(ma: Multiaddr): Promise<void> {
    this.checkCanListen(ma, this.name != null)
    const name = toMemoryName(ma)
    this.init.registry.add(name, this)
    this.name = name
    this.log('listening on /memory/%s', name)
    this.safeDispatchEvent('listening')
  }

  getAddrs(): Multiaddr[] {
    return this.name == null ? [] : [multiaddr(`/memory/${this.name}`)]
  }

  /**
   * Accepts a dial: returns the dialer's end of a new connection pair, or
   * throws `DialError` when closed or full.
   */
  accept(dialledAddr: Multiaddr, dialerLink: LinkOptions): MemoryConnection {
    if (this.closed || this.name == null) {
      throw new DialError(dialledAddr.toString(), 'the listener is closed')
    }
    if (this.isFull) {
      throw new DialError(
        dialledAddr.toString(),
        `the listener holds ${this.init.maxConnections} connections`,
      )
    }
    const own = this.init.link
    const id = nextDialerId++
    const [outbound, inbound] = memoryConnectionPair({
      dialledAddr,
      dialerAddr: multiaddr(`/memory/dialer-${id}`),
      log: this.log.newScope(`conn:${id}`),
      // the slower link and the smaller window of the two ends win
      latency: Math.max(own.latency, dialerLink.latency),
      capacity: Math.min(own.capacity, dialerLink.capacity),
      closeTimeout: dialerLink.closeTimeout,
      maxReadBufferLength: dialerLink.maxReadBufferLength,
      maxWriteBufferLength: dialerLink.maxWriteBufferLength,
    })
    this.handOver(inbound)
    return outbound
  }

  protected async release(closeConnections: () => Promise<void>): Promise<void> {
    if (this.name != null) this.init.registry.remove(this.name, this)
    await closeConnections()
    this.name = undefined
  }
}
