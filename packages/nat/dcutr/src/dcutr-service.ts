/**
 * DCUtR (relay/DCUtR.md "The Protocol"): turn a relayed connection into a
 * direct one by TCP simultaneous open.
 *
 * The peer that received the relayed connection (B) opens `/libp2p/dcutr`
 * over it, sends `Connect` with the address its relay saw it at, measures
 * the round trip until the other side's `Connect`, sends `Sync`, waits half
 * that round trip and dials; the other side (A) dials as soon as `Sync`
 * arrives. Both dial from the local port of their own connection to the
 * relay, so an endpoint-independent NAT reuses the mapping the relay saw
 * (Node 20 cannot share a listening port; see @weft/tcp `shareDialPorts`).
 * A is the client of the new connection, B the server. B tries up to
 * `attempts` times (the spec's three), then keeps the relayed connection.
 * Each outcome is reported as an `upgrade` event: `direct` with the address
 * that worked, or `relay` with the reason.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type IdentifyResult,
  type Libp2pEvents,
  type Logger,
  type PeerId,
  type Startable,
  type Stream,
  type Transport,
  TypedEventEmitter,
  type TypedEventTarget,
  type Upgrader,
} from '@libp2p/interface'
import { CODE_P2P, CODE_TCP, type Multiaddr } from '@multiformats/multiaddr'
import { anySignal, delay, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { isLoopback, isPublicTcp, punchAddresses, relayOf } from './addresses.js'
import { DCUtRStoppedError, HolePunchFailedError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'
import { PROTOCOL, readHolePunch, writeHolePunch } from './messages.js'
import { isRefused, withRole } from './punch-upgrader.js'

export interface DCUtRInit {
  /** rounds of Connect/Sync/dial before giving up (default 3, the spec's "retry twice") */
  attempts?: number
  /** ms one round's dials may take (default 5 000: a dropped SYN is resent after 1 s) */
  punchTimeout?: number
  /** ms the Connect/Sync exchange may take (default 10 000) */
  exchangeTimeout?: number
  /** ms the relayed connection stays open after a direct one exists (default 5 000; -1 keeps it) */
  relayGracePeriod?: number
  /** upgrades running at once (default 16) */
  maxConcurrentUpgrades?: number
  /** addresses of the peer dialed per round (default 4) */
  maxAddresses?: number
  /** first dial the peer's public listen addresses directly (default true) */
  unilateral?: boolean
}

export interface DCUtRComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  upgrader: Upgrader
  connectionManager: {
    getConnections(peerId?: PeerId): Connection[]
    openConnection(
      target: Multiaddr | Multiaddr[],
      options?: AbortOptions & { force?: boolean },
    ): Promise<Connection>
  }
  transportManager: { dialTransportForMultiaddr(address: Multiaddr): Transport | undefined }
  /** our own addresses: the public ones are offered beside the observed one */
  addressManager?: { getAddresses(): Multiaddr[] }
}

/** Which path a relayed connection ended on. */
export interface UpgradeOutcome {
  peer: PeerId
  outcome: 'direct' | 'relay'
  /** how: a plain dial to a public address, or a hole punch */
  method?: 'unilateral' | 'hole-punch'
  /** hole-punch rounds tried */
  attempts: number
  /** the direct connection (outcome 'direct') */
  connection?: Connection
  /** why it stayed relayed (outcome 'relay') */
  error?: Error
}

export interface DCUtREvents {
  upgrade: CustomEvent<UpgradeOutcome>
}

interface PunchPlan {
  /** what we tell the peer to dial */
  addrs: Multiaddr[]
  /** the port we dial from */
  localPort?: number
}

const MAX_OBSERVED = 1024

export class DCUtR extends TypedEventEmitter<DCUtREvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/dcutr'
  private readonly handler: ProtocolHandler
  private readonly observed = new Map<string, Multiaddr>()
  /** listen addresses peers announced over relayed connections, by connection id */
  private readonly announced = new Map<string, Multiaddr[]>()
  private readonly active = new Set<string>()
  private readonly graceTimers = new Set<ReturnType<typeof setTimeout>>()
  private readonly opts: Required<DCUtRInit>
  private readonly log: Logger
  private started = false

  constructor(
    private readonly components: DCUtRComponents,
    init: DCUtRInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:dcutr')
    this.opts = {
      attempts: init.attempts ?? 3,
      punchTimeout: init.punchTimeout ?? 5_000,
      exchangeTimeout: init.exchangeTimeout ?? 10_000,
      relayGracePeriod: init.relayGracePeriod ?? 5_000,
      maxConcurrentUpgrades: init.maxConcurrentUpgrades ?? 16,
      maxAddresses: init.maxAddresses ?? 4,
      unilateral: init.unilateral ?? true,
    }
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      options: { maxInboundStreams: 1, maxOutboundStreams: 1, runOnLimitedConnection: true },
      handler: (stream, connection) => void this.onStream(stream, connection),
      stoppedError: () => new DCUtRStoppedError('DCUtR stopped'),
    })
    this.onIdentify = this.onIdentify.bind(this)
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onConnectionClose = this.onConnectionClose.bind(this)
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    await this.handler.start()
    const { events } = this.components
    events.addEventListener('peer:identify', this.onIdentify)
    events.addEventListener('connection:open', this.onConnectionOpen)
    events.addEventListener('connection:close', this.onConnectionClose)
    this.started = true
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    const { events } = this.components
    events.removeEventListener('peer:identify', this.onIdentify)
    events.removeEventListener('connection:open', this.onConnectionOpen)
    events.removeEventListener('connection:close', this.onConnectionClose)
    for (const timer of this.graceTimers) clearTimeout(timer)
    this.graceTimers.clear()
    await this.handler.stop()
    this.observed.clear()
    this.announced.clear()
    this.active.clear()
  }

  /**
   * Runs the initiating side (B) over `relayed`: up to `attempts` rounds.
   * Resolves with the outcome (also dispatched as an `upgrade` event).
   */
  async upgrade(relayed: Connection, options: AbortOptions = {}): Promise<UpgradeOutcome> {
    const peer = relayed.remotePeer
    if (this.opts.unilateral) {
      const connection = await this.dialPublic(relayed, options)
      if (connection != null) {
        return this.report(
          { peer, outcome: 'direct', method: 'unilateral', attempts: 0, connection },
          relayed,
        )
      }
    }
    let attempts = 0
    let error: Error = new HolePunchFailedError('no attempt was made')
    for (; attempts < this.opts.attempts; ) {
      attempts++
      const existing = this.directConnection(peer)
      if (existing != null)
        return this.report({ peer, outcome: 'direct', attempts, connection: existing }, relayed)
      try {
        const connection = await this.initiate(relayed, options)
        return this.report({ peer, outcome: 'direct', method: 'hole-punch', attempts, connection }, relayed)
      } catch (err) {
        error = err as Error
        this.log('round %d with %p failed: %s', attempts, peer, error.message)
        if (relayed.status !== 'open' || this.handler.signal.aborted || options.signal?.aborted === true)
          break
      }
    }
    return this.report({ peer, outcome: 'relay', attempts, error }, relayed)
  }

  private report(outcome: UpgradeOutcome, relayed: Connection): UpgradeOutcome {
    this.log('%p: %s after %d round(s)', outcome.peer, outcome.outcome, outcome.attempts)
    this.safeDispatchEvent('upgrade', { detail: outcome })
    if (outcome.outcome === 'direct' && this.opts.relayGracePeriod >= 0) {
      const timer = setTimeout(() => {
        this.graceTimers.delete(timer)
        relayed.close().catch((err: Error) => relayed.abort(err))
      }, this.opts.relayGracePeriod)
      this.graceTimers.add(timer)
    }
    return outcome
  }

  /**
   * The spec's unilateral upgrade: when the peer announced public listen
   * addresses (identify over the relayed connection), dial them directly.
   */
  private async dialPublic(relayed: Connection, options: AbortOptions): Promise<Connection | undefined> {
    // identify runs when the relayed connection opens: give it a moment
    const deadline = Date.now() + 2_000
    while (!this.announced.has(relayed.id) && Date.now() < deadline && relayed.status === 'open') {
      await delay(25, options)
    }
    const candidates = punchAddresses(
      (this.announced.get(relayed.id) ?? []).map((address) => address.bytes),
      this.opts.maxAddresses * 2,
    )
      .filter(isPublicTcp)
      .slice(0, this.opts.maxAddresses)
    if (candidates.length === 0) return undefined
    const signal = anySignal([options.signal, this.handler.signal], this.opts.punchTimeout)
    try {
      // one dial over all of them: the dialer runs one dial per peer at a time
      const peer = relayed.remotePeer.toString()
      return await this.components.connectionManager.openConnection(
        candidates.map((address) => address.encapsulate(`/p2p/${peer}`)),
        { signal, force: true },
      )
    } catch (err) {
      this.log('direct dials to %p failed: %s', relayed.remotePeer, (err as Error).message)
      return undefined
    } finally {
      signal.clear()
    }
  }

  /** One round as B: Connect, Connect, Sync, wait RTT/2, dial. */
  private async initiate(relayed: Connection, options: AbortOptions): Promise<Connection> {
    const exchange = anySignal([options.signal, this.handler.signal], this.opts.exchangeTimeout)
    let theirs: Multiaddr[]
    let rtt: number
    const plan = this.punchPlan(relayed)
    let stream: Stream | undefined
    try {
      stream = await relayed.newStream(PROTOCOL, { signal: exchange, runOnLimitedConnection: true })
      const reader = new StreamReader(stream)
      const sent = performance.now()
      await writeHolePunch(
        stream,
        { type: HolePunch.Type.CONNECT, ObsAddrs: plan.addrs.map((address) => address.bytes) },
        { signal: exchange },
      )
      const response = await readHolePunch(reader, HolePunch.Type.CONNECT, { signal: exchange })
      rtt = performance.now() - sent
      theirs = punchAddresses(response.ObsAddrs, this.opts.maxAddresses)
      await writeHolePunch(stream, { type: HolePunch.Type.SYNC, ObsAddrs: [] }, { signal: exchange })
      reader.release()
      await stream.close({ signal: exchange }).catch(() => {})
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      exchange.clear()
    }
    if (theirs.length === 0) throw new HolePunchFailedError('the peer sent no address to dial')
    await delay(rtt / 2, { signal: anySignal([options.signal, this.handler.signal]) })
    return this.punch(relayed.remotePeer, theirs, plan.localPort, false, options)
  }

  /** The responding side (A): answer Connect, dial on Sync. */
  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const exchange = anySignal([this.handler.signal], this.opts.exchangeTimeout)
    const reader = new StreamReader(stream)
    let theirs: Multiaddr[]
    const plan = this.punchPlan(connection)
    try {
      const request = await readHolePunch(reader, HolePunch.Type.CONNECT, { signal: exchange })
      theirs = punchAddresses(request.ObsAddrs, this.opts.maxAddresses)
      await writeHolePunch(
        stream,
        { type: HolePunch.Type.CONNECT, ObsAddrs: plan.addrs.map((address) => address.bytes) },
        { signal: exchange },
      )
      await readHolePunch(reader, HolePunch.Type.SYNC, { signal: exchange })
      reader.release()
      await stream.close({ signal: exchange }).catch(() => {})
    } catch (err) {
      this.log('hole punch request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
      return
    } finally {
      reader.release()
      exchange.clear()
    }
    if (theirs.length === 0) return
    try {
      await this.punch(connection.remotePeer, theirs, plan.localPort, true, {})
    } catch (err) {
      // B retries; its next Connect starts a new round here
      this.log('dialing %p failed: %s', connection.remotePeer, (err as Error).message)
    }
  }

  /** Dials every address at once from `localPort`; the first connection wins, the rest are cancelled. */
  private async punch(
    peer: PeerId,
    addrs: Multiaddr[],
    localPort: number | undefined,
    initiator: boolean,
    options: AbortOptions,
  ): Promise<Connection> {
    const cancel = new AbortController()
    const signal = anySignal([options.signal, this.handler.signal, cancel.signal], this.opts.punchTimeout)
    const upgrader = withRole(this.components.upgrader, peer, initiator)
    try {
      const connection = await Promise.any(
        addrs.map(async (address) => {
          const transport = this.components.transportManager.dialTransportForMultiaddr(address)
          if (transport == null) throw new HolePunchFailedError(`no transport dials ${address.toString()}`)
          const dialOptions = { upgrader, signal, localPort }
          // a RST (the peer's SYN had not left yet, or no NAT drops ours) is
          // not the end: try again until the round's deadline
          while (true) {
            try {
              return await transport.dial(address, dialOptions)
            } catch (err) {
              if (!isRefused(err) || signal.aborted) throw err
              await delay(50 + Math.floor(Math.random() * 100), { signal })
            }
          }
        }),
      )
      cancel.abort(new HolePunchFailedError('another address connected first'))
      return connection
    } catch (err) {
      const errors =
        err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : String(err)
      throw new HolePunchFailedError(`no direct connection to ${peer.toString()}: ${errors}`)
    } finally {
      signal.clear()
    }
  }

  /** What to advertise and where to dial from: our connection to the relay this circuit runs through. */
  private punchPlan(relayed: Connection): PunchPlan {
    const relay = relayOf(relayed.remoteAddr)
    const toRelay = this.components.connectionManager
      .getConnections()
      .filter((connection) => connection.remotePeer.toString() === relay && connection.limits == null)
      .find((connection) => this.observed.has(connection.id))
    if (toRelay == null) return { addrs: [] }
    const observed = this.observed.get(toRelay.id)!
    const localAddr = (toRelay as { localAddr?: Multiaddr }).localAddr
    const port = localAddr?.getComponents().find((component) => component.code === CODE_TCP)?.value
    // A public listen address of ours is reachable whatever the peer's NAT
    // does: offer it too, so a peer behind a symmetric NAT (or one whose early
    // SYN a full cone lets through to a socket not yet dialing) still gets in.
    const listening = (this.components.addressManager?.getAddresses() ?? [])
      .map((address) =>
        address.getComponents().at(-1)?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address,
      )
      .filter((address) => isPublicTcp(address) && !isLoopback(address))
    const addrs = [observed, ...listening.filter((address) => !address.equals(observed))]
    return {
      addrs: addrs.slice(0, this.opts.maxAddresses),
      localPort: port == null ? undefined : Number(port),
    }
  }

  private directConnection(peer: PeerId): Connection | undefined {
    return this.components.connectionManager
      .getConnections(peer)
      .find((connection) => connection.status === 'open' && connection.limits == null)
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { connection, observedAddr, listenAddrs } = evt.detail
    if (connection.limits != null) {
      if (this.announced.size < MAX_OBSERVED) this.announced.set(connection.id, listenAddrs.slice(0, 32))
      return
    }
    if (observedAddr == null) return
    if (this.observed.size >= MAX_OBSERVED && !this.observed.has(connection.id)) return
    this.observed.set(connection.id, observedAddr)
  }

  private onConnectionClose(evt: CustomEvent<Connection>): void {
    this.observed.delete(evt.detail.id)
    this.announced.delete(evt.detail.id)
  }

  private onConnectionOpen(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    // B is the side a relayed connection came in to
    if (connection.limits == null || connection.direction !== 'inbound') return
    const key = connection.remotePeer.toString()
    if (this.active.has(key) || this.active.size >= this.opts.maxConcurrentUpgrades) return
    this.active.add(key)
    this.upgrade(connection)
      .catch((err: Error) => this.log('upgrade of %p failed: %s', connection.remotePeer, err.message))
      .finally(() => this.active.delete(key))
  }
}
