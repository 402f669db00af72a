/**
 * The connection manager: the open connections by peer (the connection
 * table), the limit on them and pruning, and the dial entry points
 * (`openConnection`, `openStream`, through the dialer).
 *
 * Limits: at most `maxConnections` connections (new inbound ones beyond it are
 * refused before their upgrade; when dials push the count over it, the
 * connections of the least tagged peers, oldest first, are closed). Inbound
 * upgrades are admitted by `InboundAdmission` (inbound-admission.ts: pending
 * slots in all, per remote IP and for relayed connections). It dispatches
 * `peer:connect` on a peer's first connection and `peer:disconnect` when its
 * last one closes; the upgrader dispatches `connection:open`/`close`.
 *
 * Watermarks: below `minConnections` (the low watermark, default 10) the
 * auto-dialer dials known and discovered peers (auto-dialer.ts); above
 * `maxConnections` (the high watermark) connections are pruned down to it.
 * Pruning policy: peers with the lowest total tag value go first; among equal
 * values the oldest connection goes first (as js-libp2p: a peer that matters
 * is tagged, e.g. by bootstrap or a DHT, and keeps its connections).
 *
 * Simultaneous dials: of two connections to a peer that each side dialed at
 * once, both ends keep the one dialed by the smaller peer id and the other
 * is closed once idle (duplicate-connections.ts); dials and new streams
 * reuse the kept connection.
 */
import {
  type AbortOptions,
  type Connection,
  type DialTarget,
  type IsDialableOptions,
  type Libp2pEvents,
  type Logger,
  type MultiaddrConnection,
  type NewStreamOptions,
  NotStartedError,
  type PeerId,
  type PendingDial,
  type Startable,
  type Stream,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { reportProgress } from '@weft/utils'
import { AutoDialer } from './auto-dialer.js'
import type { ConnectionManager as ConnectionManagerInterface, OpenConnectionOptions } from './components.js'
import {
  type ConnectionManagerConfig,
  checkMaxConnections,
  resolveConnectionManagerConfig,
} from './config.js'
import type { ConnectionLadderRung } from './connection-ladder.js'
import { parseTarget } from './dial-target.js'
import { Dialer, type DialerComponents } from './dialer.js'
import { DuplicateConnections, preferredConnection, redundantConnections } from './duplicate-connections.js'
import { SelfDialError } from './errors.js'
import { InboundAdmission } from './inbound-admission.js'
import { isRelayed } from './internal/addresses.js'

export type { ConnectionManagerInit } from './config.js'
export { parseTarget } from './dial-target.js'

export interface ConnectionManagerComponents extends DialerComponents {
  events: TypedEventTarget<Libp2pEvents>
}

export class ConnectionManager implements ConnectionManagerInterface, Startable {
  private readonly connections = new Map<string, Connection[]>()
  private readonly dialer: Dialer
  private readonly autoDialer: AutoDialer
  private readonly log: Logger
  private readonly admission: InboundAdmission
  private readonly duplicates: DuplicateConnections
  private maxConnections: number
  private started = false
  private pruning = false

  constructor(
    private readonly components: ConnectionManagerComponents,
    config: ConnectionManagerConfig = resolveConnectionManagerConfig(),
  ) {
    this.log = components.logger.forComponent('weft:connection-manager')
    this.maxConnections = config.maxConnections
    this.admission = new InboundAdmission(
      { connectionCount: () => this.connectionCount(), getMaxConnections: () => this.maxConnections },
      config,
      this.log,
    )
    this.duplicates = new DuplicateConnections({
      self: components.peerId,
      closeDelay: config.duplicateConnectionCloseDelay,
      connectionsTo: (peer) => this.connections.get(peer.toString()) ?? [],
      log: this.log,
    })
    this.dialer = new Dialer(components, config.dialer)
    this.autoDialer = new AutoDialer(
      components,
      {
        connectionCount: () => this.connectionCount(),
        isConnected: (peer) => this.connections.has(peer.toString()),
        dial: async (peer, signal) => this.openConnection(peer, { signal }),
      },
      config.autoDialer,
    )
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onConnectionClose = this.onConnectionClose.bind(this)
    components.events.addEventListener('connection:open', this.onConnectionOpen)
    components.events.addEventListener('connection:close', this.onConnectionClose)
  }

  start(): void {
    this.dialer.start()
    this.started = true
    this.autoDialer.start()
  }

  async stop(): Promise<void> {
    this.started = false
    this.autoDialer.stop()
    this.dialer.stop()
    this.duplicates.stop()
    await Promise.all(
      this.getConnections().map(async (connection) => {
        try {
          await connection.close()
        } catch (err) {
          connection.abort(err as Error)
        }
      }),
    )
  }

  /** Detaches from the host's events. */
  dispose(): void {
    this.components.events.removeEventListener('connection:open', this.onConnectionOpen)
    this.components.events.removeEventListener('connection:close', this.onConnectionClose)
  }

  getConnections(peerId?: PeerId): Connection[] {
    if (peerId != null) return [...(this.connections.get(peerId.toString()) ?? [])]
    return [...this.connections.values()].flat()
  }

  getConnectionsMap(): ReadonlyMap<string, Connection[]> {
    return this.connections
  }

  /** The low watermark: below it the host dials peers it knows. */
  getMinConnections(): number {
    return this.autoDialer.getMinConnections()
  }

  getMaxConnections(): number {
    return this.maxConnections
  }

  setMaxConnections(maxConnections: number): void {
    this.maxConnections = checkMaxConnections(maxConnections)
    void this.prune()
  }

  getDialQueue(): PendingDial[] {
    return this.dialer.getDialQueue()
  }

  /** Adds rungs to the connection ladder of dials by peer id (connection-ladder.ts). */
  addLadderRungs(rungs: ConnectionLadderRung[]): void {
    this.dialer.addRungs(rungs)
  }

  async openConnection(target: DialTarget, options: OpenConnectionOptions = {}): Promise<Connection> {
    if (!this.started) throw new NotStartedError('the host is not started')
    const request = parseTarget(target)
    if (request.peerId?.equals(this.components.peerId) === true) {
      throw new SelfDialError('cannot dial our own peer id')
    }
    reportProgress(options, 'connection:open', target)
    if (request.peerId != null && options.force !== true) {
      const existing = preferredConnection(this.components.peerId, this.getConnections(request.peerId))
      if (existing != null) {
        reportProgress(options, 'dial-queue:already-connected')
        return existing
      }
    }
    let connection = await this.dialer.dial(request, options)
    if (options.force !== true) {
      // the peer may have dialed us meanwhile, making this one the duplicate to drop
      const others = this.getConnections(connection.remotePeer)
      if (redundantConnections(this.components.peerId, others).includes(connection)) {
        connection = preferredConnection(this.components.peerId, others) ?? connection
      }
    }
    reportProgress(options, 'connection:opened', connection)
    return connection
  }

  async openStream(
    target: DialTarget,
    protocol: string | string[],
    options: OpenConnectionOptions & NewStreamOptions = {},
  ): Promise<Stream> {
    const connection = await this.openConnection(target, options)
    return connection.newStream(protocol, options)
  }

  async closeConnections(peer: PeerId, options: AbortOptions = {}): Promise<void> {
    await Promise.all(
      this.getConnections(peer).map(async (connection) => {
        try {
          await connection.close(options)
        } catch (err) {
          connection.abort(err as Error)
        }
      }),
    )
  }

  /** Whether an inbound connection may start its upgrade (see inbound-admission.ts); takes a slot if so. */
  acceptIncomingConnection(maConn: MultiaddrConnection): boolean {
    if (!this.started) return false
    return this.admission.admit(maConn)
  }

  /**
   * An inbound upgrade admitted by `acceptIncomingConnection` ended. Pass the
   * connection so its remote address gives its slot back; without it only
   * the total is counted down.
   */
  afterUpgradeInbound(maConn?: MultiaddrConnection): void {
    this.admission.release(maConn)
  }

  async isDialable(multiaddr: Multiaddr | Multiaddr[], options: IsDialableOptions = {}): Promise<boolean> {
    const addresses = Array.isArray(multiaddr) ? multiaddr : [multiaddr]
    return addresses.some(
      (address) =>
        this.components.transportManager.dialTransportForMultiaddr(address) != null &&
        (options.runOnLimitedConnection === true || !isRelayed(address)),
    )
  }

  private connectionCount(): number {
    let count = 0
    for (const list of this.connections.values()) count += list.length
    return count
  }

  private onConnectionOpen(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    if (!this.started) {
      connection.abort(new NotStartedError('the host is not started'))
      return
    }
    const key = connection.remotePeer.toString()
    const list = this.connections.get(key) ?? []
    if (list.includes(connection)) return
    list.push(connection)
    this.connections.set(key, list)
    if (list.length === 1) {
      // every connected peer has a peer store record (identify and topologies read it)
      this.components.peerStore.merge(connection.remotePeer, {}).catch((err: Error) => {
        this.log.error('could not record peer %s: %s', key, err.message)
      })
      this.components.events.safeDispatchEvent('peer:connect', { detail: connection.remotePeer })
    }
    if (list.length > 1) this.duplicates.check(connection.remotePeer)
    if (this.connectionCount() > this.maxConnections) void this.prune()
  }

  private onConnectionClose(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    const key = connection.remotePeer.toString()
    const list = this.connections.get(key)
    if (list == null) return
    const index = list.indexOf(connection)
    if (index === -1) return
    list.splice(index, 1)
    if (list.length === 0) {
      this.connections.delete(key)
      this.components.events.safeDispatchEvent('peer:disconnect', { detail: connection.remotePeer })
    }
  }

  /** Closes connections until at most `maxConnections` remain: least tagged peers first, then oldest. */
  private async prune(): Promise<void> {
    if (this.pruning) return
    this.pruning = true
    try {
      const excess = this.connectionCount() - this.maxConnections
      if (excess <= 0) return
      const values = new Map<string, number>()
      for (const key of this.connections.keys()) {
        const list = this.connections.get(key)
        const peerId = list?.[0]?.remotePeer
        if (peerId == null) continue
        try {
          const peer = await this.components.peerStore.get(peerId)
          let value = 0
          for (const tag of peer.tags.values()) value += tag.value
          values.set(key, value)
        } catch {
          values.set(key, 0)
        }
      }
      const candidates = this.getConnections()
        .filter((connection) => connection.status === 'open')
        .sort((a, b) => {
          const byTags =
            (values.get(a.remotePeer.toString()) ?? 0) - (values.get(b.remotePeer.toString()) ?? 0)
          return byTags !== 0 ? byTags : a.timeline.open - b.timeline.open
        })
      const toClose = candidates.slice(0, Math.max(0, this.connectionCount() - this.maxConnections))
      if (toClose.length === 0) return
      this.log('pruning %d connections over the limit of %d', toClose.length, this.maxConnections)
      this.components.events.safeDispatchEvent('connection:prune', { detail: toClose })
      await Promise.all(
        toClose.map(async (connection) => {
          try {
            await connection.close()
          } catch (err) {
            connection.abort(err as Error)
          }
        }),
      )
    } finally {
      this.pruning = false
    }
  }
}
