/**
 * The resource manager: one place that holds the whole host within a memory,
 * file-descriptor, connection and stream budget.
 *
 * Scopes: `system` (everything), `transient` (connections not yet secured and
 * streams whose protocol is not yet agreed), `peer:<id>` (everything of one
 * remote peer), `protocol:<id>` (the streams of one protocol), and each
 * connection's and stream's own. A connection charges its own scope, then
 * transient (until its peer is known, then that peer's) and system; a stream
 * charges its own, transient (until its protocol is agreed, then that
 * protocol's), its peer's and system. Reservations are all-or-nothing and a
 * refusal throws `ResourceLimitError` naming the scope; `done()` gives
 * everything back once. Peer and protocol scopes exist only while something
 * charges them, so `stat()` stays bounded by the limits themselves.
 */
import type { MessageStreamDirection, PeerId } from '@libp2p/interface'
import type { ResourceScopes } from '@weft/utils'
import type { ResourceLimitError } from '../errors.js'
import type { LimitSet, Resource, ScopeKind } from './limits.js'
import { release, reserve, Scope } from './scope.js'
import { Span, type SpanHooks } from './span.js'
import { type ResourceStat, scopeKindOf, scopeStat, scopeStats } from './stat.js'

/** The manager's options, resolved (`resolveResourceManagerConfig` in config.ts). */
export interface ResourceManagerConfig {
  readonly limits: LimitSet
  /** bytes each connection reserves for the host's own buffers (encryption frames, negotiation) */
  readonly connectionMemory: number
  /** bytes each stream reserves for the host's own buffers (protocol negotiation) */
  readonly streamMemory: number
}

export interface OpenConnectionScopeOptions {
  /** whether the connection holds a file descriptor of its own (TCP, WebSocket: yes; relayed, memory: no) */
  fd?: boolean
}

/** A connection's span: starts in the transient scope, moves to its peer's once the peer is known. */
export class ConnectionScope extends Span {
  constructor(
    private readonly manager: ResourceManager,
    parents: Scope[],
    hooks: SpanHooks,
  ) {
    super('connection', manager.config.limits.connection, parents, hooks)
  }

  /** The connection's remote peer is authenticated: moves it from the transient scope to the peer's. */
  setPeer(peer: PeerId | string): void {
    this.move(this.manager.transient, this.manager.peerScope(peer.toString()))
  }
}

/**
 * A stream's span: transient (and in its peer's transient share) until its
 * protocol is agreed, then in the protocol's scope.
 */
export class StreamScope extends Span {
  constructor(
    private readonly manager: ResourceManager,
    private readonly peerTransient: Scope,
    parents: Scope[],
    hooks: SpanHooks,
  ) {
    super('stream', manager.config.limits.stream, parents, hooks)
  }

  setProtocol(protocol: string): void {
    this.move(this.manager.transient, this.manager.protocolScope(protocol))
    this.leave(this.peerTransient)
  }
}

/** `ResourceScopes` (@weft/utils): what muxers and encrypters below the host see of it. */
export class ResourceManager implements ResourceScopes {
  readonly system: Scope
  readonly transient: Scope
  private readonly peers = new Map<string, Scope>()
  /** `transient:<peer>`: each peer's streams not yet negotiated */
  private readonly peerTransients = new Map<string, Scope>()
  private readonly protocols = new Map<string, Scope>()
  /** refusals by `<scope kind>/<resource>`: at most 6 × 8 keys */
  private readonly refusals = new Map<string, number>()
  /** the span of each connection, stream or channel the host bound, for muxers and services to find */
  private readonly bound = new WeakMap<object, Span>()
  private openConnections = 0
  private openStreams = 0
  private readonly hooks: SpanHooks

  constructor(readonly config: ResourceManagerConfig) {
    this.system = new Scope('system', config.limits.system)
    this.transient = new Scope('transient', config.limits.transient)
    this.hooks = {
      refused: (err) => this.countRefusal(err),
      detached: (scope) => this.dropIfIdle(scope),
      ended: (span) => {
        if (span.kind === 'connection') this.openConnections--
        else this.openStreams--
      },
    }
  }

  /**
   * Reserves the file descriptor of a listening socket in the system scope;
   * the function returned gives it back (once, however often it is called).
   *
   * @throws ResourceLimitError when the system has no descriptor left; nothing is held then
   */
  openListener(): () => void {
    try {
      reserve([this.system], { fd: 1 })
    } catch (err) {
      this.countRefusal(err as ResourceLimitError)
      throw err
    }
    let held = true
    return () => {
      if (!held) return
      held = false
      release([this.system], { fd: 1 })
    }
  }

  /**
   * Reserves a new connection (and its file descriptor and host memory) in
   * the transient and system scopes.
   *
   * @throws ResourceLimitError when a scope is full; nothing is held then
   */
  openConnection(
    direction: MessageStreamDirection,
    options: OpenConnectionScopeOptions = {},
  ): ConnectionScope {
    const span = new ConnectionScope(this, [this.transient, this.system], this.hooks)
    this.openConnections++
    try {
      span.reserve({
        connections: 1,
        [direction === 'inbound' ? 'connectionsInbound' : 'connectionsOutbound']: 1,
        fd: options.fd === true ? 1 : 0,
        memory: this.config.connectionMemory,
      })
    } catch (err) {
      span.done()
      throw err
    }
    return span
  }

  /**
   * Reserves a new stream with `peer` in the transient scope and the peer's
   * share of it, the peer's scope and the system's.
   *
   * @throws ResourceLimitError when a scope is full; nothing is held then
   */
  openStream(peer: PeerId | string, direction: MessageStreamDirection): StreamScope {
    const id = peer.toString()
    const share = this.peerTransientScope(id)
    const span = new StreamScope(
      this,
      share,
      [this.transient, share, this.peerScope(id), this.system],
      this.hooks,
    )
    this.openStreams++
    try {
      span.reserve({
        streams: 1,
        [direction === 'inbound' ? 'streamsInbound' : 'streamsOutbound']: 1,
        memory: this.config.streamMemory,
      })
    } catch (err) {
      span.done()
      throw err
    }
    return span
  }

  /**
   * The span of a connection or stream: the `Connection`, its transport
   * connection or secured channel, or a `Stream`. A muxer or encrypter given
   * the channel it runs on reserves its buffers here.
   */
  scopeOf(target: object): ConnectionScope | StreamScope | undefined {
    return this.bound.get(target) as ConnectionScope | StreamScope | undefined
  }

  /** Makes `span` findable from `targets` (`scopeOf`). */
  bind(span: Span, ...targets: object[]): void {
    for (const target of targets) this.bound.set(target, span)
  }

  /** The scope of one peer, created on first use (dropped again when idle). */
  peerScope(peer: string): Scope {
    let scope = this.peers.get(peer)
    if (scope == null) {
      scope = new Scope(`peer:${peer}`, this.config.limits.peer)
      this.peers.set(peer, scope)
    }
    return scope
  }

  /** One peer's share of the transient scope, created on first use (dropped again when idle). */
  peerTransientScope(peer: string): Scope {
    let scope = this.peerTransients.get(peer)
    if (scope == null) {
      scope = new Scope(`transient:${peer}`, this.config.limits.peerTransient)
      this.peerTransients.set(peer, scope)
    }
    return scope
  }

  protocolScope(protocol: string): Scope {
    let scope = this.protocols.get(protocol)
    if (scope == null) {
      const { limits } = this.config
      scope = new Scope(`protocol:${protocol}`, limits.protocols.get(protocol) ?? limits.protocol)
      this.protocols.set(protocol, scope)
    }
    return scope
  }

  stat(): ResourceStat {
    return {
      system: scopeStat(this.system),
      transient: scopeStat(this.transient),
      peers: scopeStats(this.peers),
      protocols: scopeStats(this.protocols),
      connections: this.openConnections,
      streams: this.openStreams,
      refusals: [...this.refusals].map(([key, count]) => {
        const [scope, resource] = key.split('/') as [ScopeKind, Resource]
        return { scope, resource, count }
      }),
    }
  }

  private countRefusal(err: ResourceLimitError): void {
    const key = `${scopeKindOf(err.scope)}/${err.resource}`
    this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1)
  }

  private dropIfIdle(scope: Scope): void {
    if (!scope.isIdle()) return
    const id = scope.name.slice(scope.name.indexOf(':') + 1)
    if (scope.name.startsWith('peer:') && this.peers.get(id) === scope) this.peers.delete(id)
    else if (scope.name.startsWith('transient:') && this.peerTransients.get(id) === scope)
      this.peerTransients.delete(id)
    else if (scope.name.startsWith('protocol:') && this.protocols.get(id) === scope) this.protocols.delete(id)
  }
}
