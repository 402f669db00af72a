/**
 * A memory `Listener`: claims `/memory/<name>` in a registry; each dial makes
 * a joined connection pair whose inbound end goes to `upgrader.upgradeInbound`.
 * A failed upgrade aborts that connection only. `close()` releases the name,
 * closes every connection it accepted and emits `'close'`.
 */
import {
  AbortError,
  type ComponentLogger,
  ListenError,
  type Listener,
  type ListenerEvents,
  type Logger,
  setMaxListeners,
  TypedEventEmitter,
  type Upgrader,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { upgradeInbound } from '@weft/utils'
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

let nextListenerId = 0
let nextDialerId = 0

export class MemoryListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly init: MemoryListenerInit
  private readonly log: Logger
  private readonly connections = new Set<MemoryConnection>()
  private readonly shutdown = new AbortController()
  private name?: string
  private closing?: Promise<void>

  constructor(init: MemoryListenerInit) {
    super()
    this.init = init
    this.log = init.logger.forComponent(`weft:memory:listener:${nextListenerId++}`)
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
  }

  async listen(ma: Multiaddr): Promise<void> {
    if (this.closing != null) throw new ListenError(`cannot listen on ${ma}: the listener is closed`)
    if (this.name != null)
      throw new ListenError(`cannot listen on ${ma}: already listening on /memory/${this.name}`)
    const name = toMemoryName(ma)
    this.init.registry.add(name, this)
    this.name = name
    this.log('listening on /memory/%s', name)
    this.safeDispatchEvent('listening')
  }

  getAddrs(): Multiaddr[] {
    return this.name == null ? [] : [multiaddr(`/memory/${this.name}`)]
  }

  /** Memory addresses carry nothing learnt at run time: nothing to amend. */
  updateAnnounceAddrs(_addrs: Multiaddr[]): void {}

  async close(): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  /** the accepted connections still open */
  get connectionCount(): number {
    return this.connections.size
  }

  /**
   * Accepts a dial: returns the dialer's end of a new connection pair, or
   * throws `DialError` when closed or full.
   */
  accept(dialledAddr: Multiaddr, dialerLink: LinkOptions): MemoryConnection {
    if (this.closing != null || this.name == null) {
      throw new DialError(dialledAddr.toString(), 'the listener is closed')
    }
    if (this.connections.size >= this.init.maxConnections) {
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
    this.connections.add(inbound)
    inbound.addEventListener('close', () => this.connections.delete(inbound), { once: true })
    void this.upgrade(inbound)
    return outbound
  }

  private async closeNow(): Promise<void> {
    if (this.name != null) this.init.registry.remove(this.name, this)
    this.shutdown.abort(new AbortError('the listener closed'))
    await Promise.all(
      [...this.connections].map(async (connection) => {
        try {
          await connection.close()
        } catch (err) {
          connection.abort(err as Error)
        }
      }),
    )
    this.name = undefined
    this.log('closed')
    this.safeDispatchEvent('close')
  }

  private async upgrade(connection: MemoryConnection): Promise<void> {
    await upgradeInbound(this.init.upgrader, connection, {
      shutdown: this.shutdown.signal,
      log: this.log,
    })
  }
}
