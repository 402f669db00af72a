/**
 * The registrar: which protocols this host speaks (protocol → handler,
 * options, middleware) and which topologies want to hear about peers that
 * speak a protocol.
 *
 * Topologies are told `onConnect(peer, connection)` once a connected peer is
 * known to support their protocol (from `peer:identify` or a `peer:update`
 * that adds it) and `onDisconnect(peer)` when the peer's last connection
 * closes or it stops listing the protocol. Our own record in the peer store
 * always lists the handled protocols, so identify answers with them.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type IdentifyResult,
  InvalidParametersError,
  type Libp2pEvents,
  type Logger,
  type PeerId,
  type PeerStore,
  type PeerUpdate,
  type StreamHandler,
  type StreamHandlerOptions,
  type StreamHandlerRecord,
  type StreamMiddleware,
  type Topology,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { ConnectionManager, Registrar as RegistrarInterface } from './components.js'
import { type RegistrarConfig, resolveRegistrarConfig } from './config.js'
import { preferredConnection } from './duplicate-connections.js'
import { DuplicateProtocolHandlerError, UnhandledProtocolError } from './errors.js'

export const DEFAULT_MAX_INBOUND_STREAMS = 32
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64

export interface RegistrarComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  peerStore: PeerStore
  /** read when a topology is registered, to tell it about peers already connected */
  connectionManager: Pick<ConnectionManager, 'getConnections'>
}

export interface RegistrarInit {
  /** protocols that may be handled at once (default 1024) */
  maxHandlers?: number
  /** topologies that may be registered at once (default 1024) */
  maxTopologies?: number
}

interface Registration {
  protocol: string
  topology: Topology
  /** peers this topology was told about and not yet told they left */
  notified: Set<string>
}

let nextTopologyId = 0

export class Registrar implements RegistrarInterface {
  private readonly handlers = new Map<string, StreamHandlerRecord>()
  private readonly middleware = new Map<string, StreamMiddleware[]>()
  private readonly topologies = new Map<string, Registration>()
  private readonly log: Logger

  constructor(
    private readonly components: RegistrarComponents,
    private readonly config: RegistrarConfig = resolveRegistrarConfig(),
  ) {
    this.log = components.logger.forComponent('weft:registrar')
    this.onIdentify = this.onIdentify.bind(this)
    this.onPeerUpdate = this.onPeerUpdate.bind(this)
    this.onPeerDisconnect = this.onPeerDisconnect.bind(this)
    components.events.addEventListener('peer:identify', this.onIdentify)
    components.events.addEventListener('peer:update', this.onPeerUpdate)
    components.events.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  getProtocols(): string[] {
    return [...this.handlers.keys()].sort()
  }

  getHandler(protocol: string): StreamHandlerRecord {
    const record = this.handlers.get(protocol)
    if (record == null) throw new UnhandledProtocolError(`no handler is registered for ${protocol}`)
    return record
  }

  async handle(
    protocols: string | string[],
    handler: StreamHandler,
    options: StreamHandlerOptions = {},
  ): Promise<void> {
    const list = toList(protocols)
    if (typeof handler !== 'function') throw new InvalidParametersError('a stream handler must be a function')
    for (const protocol of list) {
      if (this.handlers.has(protocol) && options.force !== true) {
        throw new DuplicateProtocolHandlerError(`a handler is already registered for ${protocol}`)
      }
    }
    const added = list.filter((protocol) => !this.handlers.has(protocol)).length
    if (this.handlers.size + added > this.config.maxHandlers) {
      throw new InvalidParametersError(
        `handling ${list.join(', ')} would exceed ${this.config.maxHandlers} protocols`,
      )
    }
    const record: StreamHandlerRecord = {
      handler,
      options: {
        ...options,
        maxInboundStreams: options.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
        maxOutboundStreams: options.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS,
      },
    }
    for (const protocol of list) this.handlers.set(protocol, record)
    await this.publishProtocols(options)
  }

  async unhandle(protocols: string | string[], options?: AbortOptions): Promise<void> {
    let removed = false
    for (const protocol of toList(protocols)) removed = this.handlers.delete(protocol) || removed
    if (removed) await this.publishProtocols(options)
  }

  use(protocol: string, middleware: StreamMiddleware | StreamMiddleware[]): void {
    const list = Array.isArray(middleware) ? middleware : [middleware]
    if (list.some((item) => typeof item !== 'function')) {
      throw new InvalidParametersError('stream middleware must be functions')
    }
    if (!this.middleware.has(protocol) && this.middleware.size >= this.config.maxHandlers) {
      throw new InvalidParametersError(`middleware for more than ${this.config.maxHandlers} protocols`)
    }
    this.middleware.set(protocol, [...(this.middleware.get(protocol) ?? []), ...list])
  }

  unuse(protocol: string): void {
    this.middleware.delete(protocol)
  }

  /** Middleware added with `use()`, then the handler's own `options.middleware`. */
  getMiddleware(protocol: string): StreamMiddleware[] {
    return [
      ...(this.middleware.get(protocol) ?? []),
      ...(this.handlers.get(protocol)?.options.middleware ?? []),
    ]
  }

  async register(protocol: string, topology: Topology, _options?: AbortOptions): Promise<string> {
    if (typeof protocol !== 'string' || protocol === '')
      throw new InvalidParametersError('a protocol is required')
    if (topology == null) throw new InvalidParametersError('a topology is required')
    if (this.topologies.size >= this.config.maxTopologies) {
      throw new InvalidParametersError(`more than ${this.config.maxTopologies} topologies`)
    }
    const id = `topology-${nextTopologyId++}`
    const registration: Registration = { protocol, topology, notified: new Set() }
    this.topologies.set(id, registration)
    await this.notifyConnectedPeers(registration)
    return id
  }

  unregister(id: string): void {
    this.topologies.delete(id)
  }

  getTopologies(protocol: string): Topology[] {
    const out: Topology[] = []
    for (const registration of this.topologies.values()) {
      if (registration.protocol === protocol) out.push(registration.topology)
    }
    return out
  }

  /** Detaches from the host's events (the host calls this when it is discarded). */
  dispose(): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.components.events.removeEventListener('peer:update', this.onPeerUpdate)
    this.components.events.removeEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  private async publishProtocols(options?: AbortOptions): Promise<void> {
    await this.components.peerStore.patch(this.components.peerId, { protocols: this.getProtocols() }, options)
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { peerId, protocols, connection } = evt.detail
    const supported = new Set(protocols)
    for (const registration of this.topologies.values()) {
      if (supported.has(registration.protocol)) this.connect(registration, peerId, connection)
    }
  }

  private onPeerUpdate(evt: CustomEvent<PeerUpdate>): void {
    const { peer, previous } = evt.detail
    const now = new Set(peer.protocols)
    const before = new Set(previous?.protocols ?? [])
    let connection: Connection | undefined
    for (const registration of this.topologies.values()) {
      if (before.has(registration.protocol) && !now.has(registration.protocol)) {
        this.disconnect(registration, peer.id)
      } else if (now.has(registration.protocol) && !before.has(registration.protocol)) {
        connection ??= this.openConnectionTo(peer.id)
        if (connection != null) this.connect(registration, peer.id, connection)
      }
    }
  }

  private onPeerDisconnect(evt: CustomEvent<PeerId>): void {
    for (const registration of this.topologies.values()) this.disconnect(registration, evt.detail)
  }

  private async notifyConnectedPeers(registration: Registration): Promise<void> {
    const connections = this.components.connectionManager.getConnections()
    const seen = new Set<string>()
    for (const connection of connections) {
      const key = connection.remotePeer.toString()
      if (seen.has(key) || connection.status !== 'open') continue
      seen.add(key)
      try {
        const peer = await this.components.peerStore.get(connection.remotePeer)
        if (peer.protocols.includes(registration.protocol)) {
          this.connect(registration, connection.remotePeer, connection)
        }
      } catch {
        // not in the peer store yet: identify will tell us
      }
    }
  }

  private openConnectionTo(peerId: PeerId): Connection | undefined {
    const connections = this.components.connectionManager.getConnections(peerId)
    return (
      preferredConnection(this.components.peerId, connections) ??
      connections.find((connection) => connection.status === 'open')
    )
  }

  private connect(registration: Registration, peerId: PeerId, connection: Connection): void {
    const { topology } = registration
    if (connection.limits != null && topology.notifyOnLimitedConnection !== true) return
    const key = peerId.toString()
    if (registration.notified.has(key) || topology.filter?.has(peerId) === true) return
    registration.notified.add(key)
    topology.filter?.add(peerId)
    this.call(registration, 'onConnect', () => topology.onConnect?.(peerId, connection))
  }

  private disconnect(registration: Registration, peerId: PeerId): void {
    const key = peerId.toString()
    if (!registration.notified.delete(key)) return
    registration.topology.filter?.remove(peerId)
    this.call(registration, 'onDisconnect', () => registration.topology.onDisconnect?.(peerId))
  }

  private call(registration: Registration, name: string, fn: () => void | Promise<void>): void {
    try {
      const result = fn()
      if (result != null && typeof (result as Promise<void>).catch === 'function') {
        ;(result as Promise<void>).catch((err: Error) => {
          this.log.error('%s of a %s topology failed: %s', name, registration.protocol, err.message)
        })
      }
    } catch (err) {
      this.log.error('%s of a %s topology failed: %s', name, registration.protocol, (err as Error).message)
    }
  }
}

function toList(protocols: string | string[]): string[] {
  const list = Array.isArray(protocols) ? protocols : [protocols]
  if (list.length === 0 || list.some((protocol) => typeof protocol !== 'string' || protocol === '')) {
    throw new InvalidParametersError('protocols must be non-empty strings')
  }
  return list
}
