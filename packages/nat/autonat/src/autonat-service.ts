/**
 * AutoNAT v1 (autonat/autonat-v1.md), client and server in one service.
 *
 * Server: answers `Dial` requests by dialing the requester back on a fresh
 * connection, only at addresses on the IP it is observed as and never over a
 * relayed connection; a bounded number of dial-backs run at once.
 * Client: asks peers that speak AutoNAT (learnt from identify) to dial us
 * back, counts their answers with `ReachabilityTracker`, exposes the result
 * as `reachability` and a `reachability:change` event (also dispatched on the
 * host's event bus as `weft:reachability`), and confirms addresses that were
 * dialed successfully with the address manager.
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
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { anySignal, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { dialBackCandidates, ipOf, isPrivateIp, isRelayedAddress } from './addresses.js'
import { Message } from './autonat.pb.js'
import { DialBudget } from './dial-budget.js'
import { AutoNATStoppedError, DialRefusedError } from './errors.js'
import { PROTOCOL, readMessage, writeMessage } from './messages.js'
import { type Reachability, ReachabilityTracker } from './reachability.js'

export interface AutoNATInit {
  /** answer other peers' dial requests (default true) */
  server?: boolean
  /** ms a dial-back may take (default 15 000) */
  dialTimeout?: number
  /** dial-backs running at once; more requests get E_DIAL_REFUSED (default 4) */
  maxConcurrentDialBacks?: number
  /** addresses of one request the server tries (default 16) */
  maxAddressesPerRequest?: number
  /** dial-backs per peer per minute, one at a time; more get E_DIAL_REFUSED (default 3) */
  maxDialBacksPerPeer?: number
  /** dial-backs in all per minute; more get E_DIAL_REFUSED (default 30) */
  maxDialBacksPerMinute?: number
  /**
   * dial requesters back that connect from a private, loopback, link-local or
   * other special-purpose IP (default false; for tests and LANs)
   */
  allowPrivateAddresses?: boolean
  /** agreeing answers that decide reachability (default 3) */
  threshold?: number
  /** ms between rounds of checks (default 15 min; 0: only on identify) */
  refreshInterval?: number
  /** servers asked per round (default 4) */
  maxServersPerRound?: number
  /** ms one request may take, dial-back included (default 30 000) */
  requestTimeout?: number
  /** peers known to speak AutoNAT that are remembered (default 64) */
  maxKnownServers?: number
}

export interface AutoNATComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  connectionManager: {
    openConnection(
      target: Multiaddr | PeerId,
      options?: AbortOptions & { force?: boolean },
    ): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  addressManager: {
    getAddresses(): Multiaddr[]
    getObservedAddrs(): Multiaddr[]
    confirmObservedAddr(address: Multiaddr): void
  }
}

export interface AutoNATEvents {
  'reachability:change': CustomEvent<Reachability>
}

/** What one server answered. */
export interface CheckResult {
  status: Message.ResponseStatus
  /** true when it dialed us back, false when it could not, undefined when it refused to try */
  reachable?: boolean
  /** the address it reached */
  address?: Multiaddr
}

export class AutoNAT extends TypedEventEmitter<AutoNATEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/autonat'
  private readonly tracker: ReachabilityTracker
  private readonly handler: ProtocolHandler
  private readonly knownServers = new Set<string>()
  private readonly inFlight = new Set<string>()
  private readonly log: Logger
  private readonly opts: Required<AutoNATInit>
  private readonly budget: DialBudget
  private dialBacks = 0
  private timer?: ReturnType<typeof setTimeout>
  private current: Reachability = 'unknown'
  private started = false

  constructor(
    private readonly components: AutoNATComponents,
    init: AutoNATInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:autonat')
    this.opts = {
      server: init.server ?? true,
      dialTimeout: init.dialTimeout ?? 15_000,
      maxConcurrentDialBacks: init.maxConcurrentDialBacks ?? 4,
      maxAddressesPerRequest: init.maxAddressesPerRequest ?? 16,
      maxDialBacksPerPeer: init.maxDialBacksPerPeer ?? 3,
      maxDialBacksPerMinute: init.maxDialBacksPerMinute ?? 30,
      allowPrivateAddresses: init.allowPrivateAddresses ?? false,
      threshold: init.threshold ?? 3,
      refreshInterval: init.refreshInterval ?? 15 * 60_000,
      maxServersPerRound: init.maxServersPerRound ?? 4,
      requestTimeout: init.requestTimeout ?? 30_000,
      maxKnownServers: init.maxKnownServers ?? 64,
    }
    this.tracker = new ReachabilityTracker({ threshold: this.opts.threshold })
    this.budget = new DialBudget({
      perPeer: this.opts.maxDialBacksPerPeer,
      total: this.opts.maxDialBacksPerMinute,
    })
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      options: { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: false },
      handler: (stream, connection) => void this.onRequest(stream, connection),
      stoppedError: () => new AutoNATStoppedError('AutoNAT stopped'),
    })
    this.onIdentify = this.onIdentify.bind(this)
  }

  /** What the votes so far say about us. */
  get reachability(): Reachability {
    return this.current
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    if (this.opts.server) await this.handler.start()
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.started = true
    this.schedule()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    await this.handler.stop()
    this.knownServers.clear()
    this.budget.clear()
  }

  /** Asks `peer` to dial us back and counts its answer. */
  async check(peer: PeerId, options: AbortOptions = {}): Promise<CheckResult> {
    const signal = anySignal([options.signal, this.handler.signal], this.opts.requestTimeout)
    let stream: Stream | undefined
    try {
      const connection =
        this.components.connectionManager
          .getConnections(peer)
          .find((candidate) => candidate.status === 'open' && !isRelayedAddress(candidate.remoteAddr)) ??
        (await this.components.connectionManager.openConnection(peer, { signal }))
      stream = await connection.newStream(PROTOCOL, { signal })
      const reader = new StreamReader(stream)
      const addrs = this.addressesToTest().map((address) => address.bytes)
      await writeMessage(
        stream,
        {
          type: Message.MessageType.DIAL,
          dial: { peer: { id: this.components.peerId.toMultihash().bytes, addrs } },
        },
        { signal },
      )
      const response = await readMessage(reader, { signal })
      reader.release()
      await stream.close({ signal }).catch(() => {})
      const status = response.dialResponse?.status
      if (response.type !== Message.MessageType.DIAL_RESPONSE || status == null) {
        throw new DialRefusedError(String(response.type), 'the AutoNAT server sent no DIAL_RESPONSE')
      }
      const result: CheckResult = { status }
      if (status === Message.ResponseStatus.OK) {
        result.reachable = true
        try {
          if (response.dialResponse?.addr != null) result.address = multiaddr(response.dialResponse.addr)
        } catch {
          // a server that reports garbage still voted
        }
        if (result.address != null) this.components.addressManager.confirmObservedAddr(result.address)
      } else if (status === Message.ResponseStatus.E_DIAL_ERROR) {
        result.reachable = false
      }
      if (result.reachable != null) this.update(this.tracker.vote(peer.toString(), result.reachable))
      this.log('%p answered %s', peer, status)
      return result
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
    }
  }

  private addressesToTest(): Multiaddr[] {
    const seen = new Set<string>()
    const out: Multiaddr[] = []
    const all = [
      ...this.components.addressManager.getAddresses(),
      ...this.components.addressManager.getObservedAddrs(),
    ]
    for (const address of all) {
      if (isRelayedAddress(address)) continue
      const key = address.toString()
      if (seen.has(key)) continue
      seen.add(key)
      out.push(address)
      if (out.length >= 64) break
    }
    return out
  }

  private update(next: Reachability): void {
    if (next === this.current) return
    this.log('reachability %s -> %s', this.current, next)
    this.current = next
    this.safeDispatchEvent('reachability:change', { detail: next })
    ;(this.components.events as unknown as TypedEventTarget<Record<string, CustomEvent>>).safeDispatchEvent(
      'weft:reachability',
      { detail: next },
    )
  }

  private schedule(): void {
    if (!this.started || this.opts.refreshInterval <= 0) return
    this.timer = setTimeout(() => {
      void this.runRound().finally(() => this.schedule())
    }, this.opts.refreshInterval)
    this.timer.unref?.()
  }

  /** Asks up to `maxServersPerRound` connected AutoNAT servers. */
  private async runRound(): Promise<void> {
    const peers = [...this.knownServers]
      .filter((key) => !this.inFlight.has(key))
      .slice(0, this.opts.maxServersPerRound)
    await Promise.allSettled(peers.map(async (key) => this.checkKnown(key)))
  }

  private async checkKnown(key: string): Promise<void> {
    const connection = this.components.connectionManager
      .getConnections()
      .find((candidate) => candidate.remotePeer.toString() === key && !isRelayedAddress(candidate.remoteAddr))
    if (connection == null || this.inFlight.has(key)) return
    this.inFlight.add(key)
    try {
      await this.check(connection.remotePeer)
    } catch (err) {
      this.log('check with %s failed: %s', key, (err as Error).message)
    } finally {
      this.inFlight.delete(key)
    }
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { peerId, protocols, connection } = evt.detail
    if (!protocols.includes(PROTOCOL) || isRelayedAddress(connection.remoteAddr)) return
    const key = peerId.toString()
    if (!this.knownServers.has(key) && this.knownServers.size >= this.opts.maxKnownServers) return
    this.knownServers.add(key)
    // while undecided, ask every new server at once (bounded by maxServersPerRound)
    if (this.current === 'unknown' && this.inFlight.size < this.opts.maxServersPerRound)
      void this.checkKnown(key)
  }

  private async onRequest(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.handler.signal], this.opts.requestTimeout)
    const reader = new StreamReader(stream)
    const answer = async (
      status: Message.ResponseStatus,
      statusText?: string,
      addr?: Multiaddr,
    ): Promise<void> => {
      await writeMessage(
        stream,
        { type: Message.MessageType.DIAL_RESPONSE, dialResponse: { status, statusText, addr: addr?.bytes } },
        { signal },
      )
      await stream.close({ signal })
    }
    try {
      let request: Message
      try {
        request = await readMessage(reader, { signal })
      } catch (err) {
        if ((err as Error).name !== 'InvalidMessageError') throw err
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'malformed message')
      }
      reader.release()
      const peer = request.dial?.peer
      if (request.type !== Message.MessageType.DIAL || peer?.id == null) {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'expected a DIAL message')
      }
      let claimed: PeerId
      try {
        claimed = peerIdFromBytes(peer.id)
      } catch {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'invalid peer id')
      }
      if (!claimed.equals(connection.remotePeer)) {
        return await answer(Message.ResponseStatus.E_BAD_REQUEST, 'the peer id is not the requester')
      }
      if (isRelayedAddress(connection.remoteAddr)) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no dial-backs over relayed connections')
      }
      const observedIp = ipOf(connection.remoteAddr)
      if (!this.opts.allowPrivateAddresses && (observedIp == null || isPrivateIp(observedIp))) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no dial-backs to private addresses')
      }
      const requested: Multiaddr[] = []
      for (const bytes of peer.addrs) {
        try {
          requested.push(multiaddr(bytes))
        } catch {
          // skip what does not parse
        }
      }
      // the spec allows adding the address the request came from: a peer that
      // knows no address of its own still learns whether that one is open
      requested.push(connection.remoteAddr)
      const candidates = dialBackCandidates(
        requested,
        connection.remoteAddr,
        this.opts.maxAddressesPerRequest,
      )
      if (candidates.length === 0) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'no address on the observed IP')
      }
      if (this.dialBacks >= this.opts.maxConcurrentDialBacks) {
        return await answer(Message.ResponseStatus.E_DIAL_REFUSED, 'too many dial-backs in progress')
      }
      const key = connection.remotePeer.toString()
      const refusal = this.budget.take(key)
      if (refusal != null) return await answer(Message.ResponseStatus.E_DIAL_REFUSED, refusal)
      this.dialBacks++
      try {
        const reached = await this.dialBack(connection.remotePeer, candidates, signal)
        if (reached == null) return await answer(Message.ResponseStatus.E_DIAL_ERROR, 'no address answered')
        return await answer(Message.ResponseStatus.OK, undefined, reached)
      } finally {
        this.dialBacks--
        this.budget.release(key)
      }
    } catch (err) {
      this.log('AutoNAT request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }

  /** Dials each candidate on a fresh connection; the first that works is the answer. */
  private async dialBack(
    peer: PeerId,
    candidates: Multiaddr[],
    parent: AbortSignal,
  ): Promise<Multiaddr | undefined> {
    for (const address of candidates) {
      const signal = anySignal([parent], this.opts.dialTimeout)
      try {
        const target = address.getComponents().some((c) => c.name === 'p2p')
          ? address
          : address.encapsulate(`/p2p/${peer.toString()}`)
        const connection = await this.components.connectionManager.openConnection(target, {
          signal,
          force: true,
        })
        await connection.close().catch(() => {})
        return address
      } catch (err) {
        this.log('dial-back to %a failed: %s', address, (err as Error).message)
      } finally {
        signal.clear()
      }
    }
    return undefined
  }
}
