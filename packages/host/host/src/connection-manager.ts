/**
 * The connection manager: the open connections by peer, the limits on them,
 * and `openConnection` (through the dialer).
 *
 * Limits: at most `maxConnections` connections (new inbound ones beyond it are
 * refused before their upgrade; when dials push the count over it, the
 * connections of the least tagged peers, oldest first, are closed) and at most
 * `maxIncomingPendingConnections` inbound upgrades at once, of which at most
 * `maxIncomingPendingConnectionsPerAddress` come from one remote IP address
 * (so one source cannot hold every upgrade slot until the upgrade timeout;
 * addresses without an IP, such as memory ones, are not counted per
 * address). A relayed upgrade has no IP of its own: it counts once for its
 * relay and once for the peer it claims to come from, each under the same
 * per-address cap, and relayed upgrades together hold at most
 * `maxIncomingPendingRelayedConnections` slots, so no relay, and no set of
 * relays, can take the slots direct connections need. It dispatches
 * `peer:connect` on a peer's first connection and `peer:disconnect` when its
 * last one closes; the upgrader dispatches `connection:open`/`close`.
 *
 * Watermarks: below `minConnections` (the low watermark, default 10) the
 * auto-dialer dials known and discovered peers (auto-dialer.ts); above
 * `maxConnections` (the high watermark) connections are pruned down to it.
 * Pruning policy: peers with the lowest total tag value go first; among equal
 * values the oldest connection goes first (as js-libp2p: a peer that matters
 * is tagged, e.g. by bootstrap or a DHT, and keeps its connections).
 */
import {
  type AbortOptions,
  type Connection,
  type DialTarget,
  type IsDialableOptions,
  isPeerId,
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
import {
  CODE_IP4,
  CODE_IP6,
  CODE_IP6ZONE,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  isMultiaddr,
  type Multiaddr,
} from '@multiformats/multiaddr'
import { reportProgress } from '@weft/utils'
import { AutoDialer, type AutoDialerInit, DEFAULT_MIN_CONNECTIONS } from './auto-dialer.js'
import type { ConnectionManager as ConnectionManagerInterface, OpenConnectionOptions } from './components.js'
import { Dialer, type DialerComponents, type DialerInit, type DialRequest } from './dialer.js'
import { InvalidParametersError, SelfDialError } from './errors.js'
import { isRelayed, peerIdFromAddress } from './internal/addresses.js'

export interface ConnectionManagerComponents extends DialerComponents {
  events: TypedEventTarget<Libp2pEvents>
}

export interface ConnectionManagerInit extends DialerInit, AutoDialerInit {
  /** open connections allowed (default 300) */
  maxConnections?: number
  /** inbound connections being upgraded at once (default 10) */
  maxIncomingPendingConnections?: number
  /**
   * inbound connections being upgraded at once from one remote IP address
   * (default 3; loopback counts like any other address, `Infinity` turns the
   * cap off)
   */
  maxIncomingPendingConnectionsPerAddress?: number
  /**
   * inbound relayed connections (circuit relay STOP) being upgraded at once
   * (default half of `maxIncomingPendingConnections`, at least 1)
   */
  maxIncomingPendingRelayedConnections?: number
}

export class ConnectionManager implements ConnectionManagerInterface, Startable {
  private readonly connections = new Map<string, Connection[]>()
  private readonly dialer: Dialer
  private readonly autoDialer: AutoDialer
  private readonly log: Logger
  private maxConnections: number
  private readonly maxIncomingPendingConnections: number
  private readonly maxIncomingPendingPerAddress: number
  private incomingPending = 0
  private readonly maxIncomingPendingRelayed: number
  private incomingPendingRelayed = 0
  /** the slot keys (remote IP, or relay and claimed peer) of each inbound connection being upgraded */
  private readonly pendingAddress = new Map<MultiaddrConnection, string[]>()
  /** how many inbound upgrades each remote IP holds */
  private readonly pendingPerAddress = new Map<string, number>()
  private started = false
  private pruning = false

  constructor(
    private readonly components: ConnectionManagerComponents,
    init: ConnectionManagerInit = {},
  ) {
    this.log = components.logger.forComponent('weft:connection-manager')
    this.maxConnections = init.maxConnections ?? 300
    this.maxIncomingPendingConnections = init.maxIncomingPendingConnections ?? 10
    this.maxIncomingPendingPerAddress = init.maxIncomingPendingConnectionsPerAddress ?? 3
    this.maxIncomingPendingRelayed =
      init.maxIncomingPendingRelayedConnections ??
      Math.max(1, Math.floor(this.maxIncomingPendingConnections / 2))
    if (!(this.maxIncomingPendingPerAddress >= 1))
      throw new RangeError(
        `maxIncomingPendingConnectionsPerAddress must be at least 1, got ${this.maxIncomingPendingPerAddress}`,
      )
    if (!(this.maxConnections >= 1))
      throw new RangeError(`maxConnections must be at least 1, got ${this.maxConnections}`)
    this.dialer = new Dialer(components, init)
    this.autoDialer = new AutoDialer(
      components,
      {
        connectionCount: () => this.connectionCount(),
        isConnected: (peer) => this.connections.has(peer.toString()),
        dial: async (peer, signal) => this.openConnection(peer, { signal }),
      },
      {
        ...init,
        minConnections: Math.min(init.minConnections ?? DEFAULT_MIN_CONNECTIONS, this.maxConnections),
      },
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
    if (!(maxConnections >= 1))
      throw new RangeError(`maxConnections must be at least 1, got ${maxConnections}`)
    this.maxConnections = maxConnections
    void this.prune()
  }

  getDialQueue(): PendingDial[] {
    return this.dialer.getDialQueue()
  }

  async openConnection(target: DialTarget, options: OpenConnectionOptions = {}): Promise<Connection> {
    if (!this.started) throw new NotStartedError('the host is not started')
    const request = parseTarget(target)
    if (request.peerId?.equals(this.components.peerId) === true) {
      throw new SelfDialError('cannot dial our own peer id')
    }
    reportProgress(options, 'connection:open', target)
    if (request.peerId != null && options.force !== true) {
      const existing = this.getConnections(request.peerId).find(
        (connection) => connection.status === 'open' && connection.limits == null,
      )
      if (existing != null) {
        reportProgress(options, 'dial-queue:already-connected')
        return existing
      }
    }
    const connection = await this.dialer.dial(request, options)
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

  acceptIncomingConnection(maConn: MultiaddrConnection): boolean {
    if (!this.started) return false
    if (this.incomingPending >= this.maxIncomingPendingConnections) {
      this.log('refusing %s: %d inbound upgrades pending', maConn.remoteAddr.toString(), this.incomingPending)
      return false
    }
    if (this.connectionCount() + this.incomingPending >= this.maxConnections) {
      this.log(
        'refusing %s: at the limit of %d connections',
        maConn.remoteAddr.toString(),
        this.maxConnections,
      )
      return false
    }
    const relayed = isRelayed(maConn.remoteAddr)
    if (relayed && this.incomingPendingRelayed >= this.maxIncomingPendingRelayed) {
      this.log(
        'refusing %s: %d relayed inbound upgrades pending',
        maConn.remoteAddr.toString(),
        this.incomingPendingRelayed,
      )
      return false
    }
    const keys = slotKeys(maConn.remoteAddr)
    for (const key of keys) {
      const held = this.pendingPerAddress.get(key) ?? 0
      if (held >= this.maxIncomingPendingPerAddress) {
        this.log('refusing %s: %d inbound upgrades pending from %s', maConn.remoteAddr.toString(), held, key)
        return false
      }
    }
    for (const key of keys) this.pendingPerAddress.set(key, (this.pendingPerAddress.get(key) ?? 0) + 1)
    if (keys.length > 0) this.pendingAddress.set(maConn, keys)
    if (relayed) this.incomingPendingRelayed++
    this.incomingPending++
    return true
  }

  /**
   * An inbound upgrade admitted by `acceptIncomingConnection` ended. Pass the
   * connection so its remote address gives its slot back; without it only
   * the total is counted down.
   */
  afterUpgradeInbound(maConn?: MultiaddrConnection): void {
    if (this.incomingPending > 0) this.incomingPending--
    if (maConn == null) return
    if (isRelayed(maConn.remoteAddr) && this.incomingPendingRelayed > 0) this.incomingPendingRelayed--
    const keys = this.pendingAddress.get(maConn)
    if (keys == null) return
    this.pendingAddress.delete(maConn)
    for (const key of keys) {
      const held = (this.pendingPerAddress.get(key) ?? 1) - 1
      if (held > 0) this.pendingPerAddress.set(key, held)
      else this.pendingPerAddress.delete(key)
    }
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

/** Splits a dial target into the peer it names and the addresses to try. */
export function parseTarget(target: DialTarget): DialRequest {
  if (isPeerId(target)) return { peerId: target, addresses: [] }
  const addresses = Array.isArray(target) ? target : [target]
  if (addresses.length === 0 || !addresses.every((address) => isMultiaddr(address))) {
    throw new InvalidParametersError('a dial target is a PeerId, a Multiaddr or a non-empty Multiaddr array')
  }
  let peerId: PeerId | undefined
  for (const address of addresses) {
    const named = peerIdFromAddress(address)
    if (named == null) continue
    if (peerId != null && !peerId.equals(named)) {
      throw new InvalidParametersError(
        `the addresses name different peers: ${peerId.toString()} and ${named.toString()}`,
      )
    }
    peerId = named
  }
  return { peerId, addresses }
}

/**
 * What an inbound connection's pending upgrade counts against: the IP a
 * direct address starts with (`/ip4/…`, `/ip6/…`, `/ip6zone/…/ip6/…`); for a
 * relayed one (`…/p2p/<relay>/p2p-circuit/p2p/<peer>`), its relay and the
 * peer it claims to be, since the relay's IP is shared by every circuit.
 */
function slotKeys(address: Multiaddr): string[] {
  const components = address.getComponents()
  const circuit = components.findIndex((component) => component.code === CODE_P2P_CIRCUIT)
  if (circuit >= 0) {
    const relay = components[circuit - 1]
    const peer = components[circuit + 1]
    const keys: string[] = []
    if (relay?.code === CODE_P2P && relay.value != null) keys.push(`relay:${relay.value}`)
    if (peer?.code === CODE_P2P && peer.value != null) keys.push(`peer:${peer.value}`)
    return keys
  }
  for (const component of components) {
    if (component.code === CODE_IP6ZONE) continue
    if ((component.code === CODE_IP4 || component.code === CODE_IP6) && component.value != null)
      return [component.value]
    return []
  }
  return []
}
