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
 *
 * The addresses in a `Connect` are the remote's word, so both sides treat
 * them as a request to dial a third party: DCUtR answers only on relayed
 * connections, dials only addresses that pass `mayDial` (public unless
 * `allowPrivateAddresses`) and the connection gater, at most `maxAddresses`
 * of them, once each per round; A answers at most `attempts` rounds per
 * relayed connection, one hole punch per remote peer at a time and at most
 * `maxConcurrentUpgrades` at once, and never retries on its own.
 */
import {
  type AbortOptions,
  type Connection,
  type IdentifyResult,
  type Logger,
  type PeerId,
  type Startable,
  type Stream,
  TypedEventEmitter,
} from '@libp2p/interface'
import { CODE_P2P, CODE_TCP, type Multiaddr } from '@multiformats/multiaddr'
import { anySignal, delay, ProtocolHandler, StreamReader } from '@weft/utils'
import {
  isPublicTcp,
  isRelayed,
  MAX_ENTRIES_EXAMINED,
  mayDial,
  punchAddresses,
  relayOf,
} from './addresses.js'
import { DCUtRStoppedError, HolePunchFailedError, HolePunchRefusedError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'
import { PROTOCOL, readHolePunch, writeHolePunch } from './messages.js'
import { withRole } from './punch-upgrader.js'
import { Rounds } from './rounds.js'
import type { DCUtRComponents, DCUtREvents, DCUtRInit, UpgradeOutcome } from './types.js'

export type { DCUtRComponents, DCUtREvents, DCUtRInit, UpgradeOutcome } from './types.js'

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
  /** peers we run the initiating side (B) with */
  private readonly active = new Set<string>()
  /** the rounds we answer (A): one per peer at a time, `attempts` per relayed connection */
  private readonly rounds: Rounds
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
      allowPrivateAddresses: init.allowPrivateAddresses ?? false,
    }
    this.rounds = new Rounds({
      attempts: this.opts.attempts,
      maxConcurrent: this.opts.maxConcurrentUpgrades,
      maxConnections: MAX_OBSERVED,
    })
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      // two: B's next round may open a new stream while the last one closes
      options: { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: true },
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
    this.rounds.clear(new DCUtRStoppedError('DCUtR stopped'))
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
    // the dialer asks the connection gater about each of them
    const candidates = punchAddresses(
      (this.announced.get(relayed.id) ?? []).map((address) => address.bytes),
      MAX_ENTRIES_EXAMINED,
    )
      .filter((address) => mayDial(address, this.opts.allowPrivateAddresses))
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
      theirs = await this.dialable(relayed.remotePeer, response.ObsAddrs)
      await writeHolePunch(stream, { type: HolePunch.Type.SYNC, ObsAddrs: [] }, { signal: exchange })
      reader.release()
      await stream.close({ signal: exchange }).catch(() => {})
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      exchange.clear()
    }
    if (theirs.length === 0) throw new HolePunchFailedError('the peer sent no address we may dial')
    await delay(rtt / 2, { signal: anySignal([options.signal, this.handler.signal]) })
    return this.punch(relayed.remotePeer, theirs, plan.localPort, false, options)
  }

  /**
   * The responding side (A): answer Connect, dial once on Sync, and again for
   * each new round B starts (on this stream, as the spec says, or on a new
   * one, which cancels the round in flight), up to `attempts` rounds per
   * relayed connection. A stream on a direct connection is reset unanswered.
   */
  private async onStream(stream: Stream, connection: Connection): Promise<void> {
    const key = connection.remotePeer.toString()
    const refusal = this.refusal(connection, key)
    if (refusal != null) {
      this.log('refused a hole punch from %p: %s', connection.remotePeer, refusal)
      stream.abort(new HolePunchRefusedError(refusal))
      return
    }
    const round = this.rounds.begin(key, new HolePunchFailedError('the peer started a new round'))
    const reader = new StreamReader(stream)
    try {
      // each pass takes one of the connection's `attempts` rounds or leaves
      while (true) {
        const theirs = await this.answerRound(stream, reader, connection, round.signal)
        if (theirs == null) return
        try {
          await this.punch(connection.remotePeer, theirs, this.punchPlan(connection).localPort, true, {
            signal: round.signal,
          })
          return
        } catch (err) {
          // B starts the next round, if any; we never dial again on our own
          this.log('dialing %p failed: %s', connection.remotePeer, (err as Error).message)
          if (round.signal.aborted) return
        }
      }
    } catch (err) {
      this.log('hole punch request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      this.rounds.end(key, round)
      // done with it whichever way this ended: free the connection's stream slot
      if (stream.writeStatus === 'writable') {
        const signal = AbortSignal.timeout(this.opts.exchangeTimeout)
        await stream.close({ signal }).catch((err: Error) => stream.abort(err))
      }
    }
  }

  /** Why a hole punch request on `connection` is refused, or undefined to answer it. */
  private refusal(connection: Connection, key: string): string | undefined {
    if (!isRelayed(connection)) return 'not a relayed connection'
    if (this.active.has(key)) return 'we are upgrading this connection ourselves'
    return this.rounds.refusal(key, connection.id)
  }

  /**
   * One Connect/Connect/Sync exchange as A, counted against the connection's
   * `attempts` rounds; the addresses to dial, or undefined when B ended the
   * stream between rounds or named none we may dial.
   *
   * @throws HolePunchRefusedError when the connection had all its rounds
   */
  private async answerRound(
    stream: Stream,
    reader: StreamReader,
    connection: Connection,
    cancel: AbortSignal,
  ): Promise<Multiaddr[] | undefined> {
    const exchange = anySignal([this.handler.signal, cancel], this.opts.exchangeTimeout)
    try {
      let request: HolePunch
      try {
        request = await readHolePunch(reader, HolePunch.Type.CONNECT, { signal: exchange })
      } catch (err) {
        // B closed the stream after a round: nothing more to do
        if ((err as Error).name === 'UnexpectedEOFError' && reader.bufferedBytes === 0) return undefined
        throw err
      }
      if (!this.rounds.count(connection.id)) {
        throw new HolePunchRefusedError(`no more than ${this.opts.attempts} rounds per connection`)
      }
      const theirs = await this.dialable(connection.remotePeer, request.ObsAddrs)
      const plan = this.punchPlan(connection)
      await writeHolePunch(
        stream,
        { type: HolePunch.Type.CONNECT, ObsAddrs: plan.addrs.map((address) => address.bytes) },
        { signal: exchange },
      )
      await readHolePunch(reader, HolePunch.Type.SYNC, { signal: exchange })
      return theirs.length === 0 ? undefined : theirs
    } finally {
      exchange.clear()
    }
  }

  /**
   * The addresses in a peer's `ObsAddrs` we agree to dial: punchable, public
   * unless `allowPrivateAddresses`, allowed by the connection gater, at most
   * `maxAddresses`.
   */
  private async dialable(peer: PeerId, obsAddrs: Uint8Array[]): Promise<Multiaddr[]> {
    const candidates = punchAddresses(obsAddrs, MAX_ENTRIES_EXAMINED)
      .filter((address) => mayDial(address, this.opts.allowPrivateAddresses))
      .slice(0, this.opts.maxAddresses)
    const gater = this.components.connectionGater
    const out: Multiaddr[] = []
    for (const address of candidates) {
      if ((await gater?.denyDialMultiaddr?.(address.encapsulate(`/p2p/${peer.toString()}`))) === true) {
        continue
      }
      out.push(address)
    }
    return out
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
          // one dial per address per round: a refusal ends it, and the next
          // round (B's to start) is the retry
          const dialOptions = { upgrader, signal, localPort } // localPort: @weft/tcp's option
          return await transport.dial(address, dialOptions)
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
      .filter((connection) => connection.remotePeer.toString() === relay && !isRelayed(connection))
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
      .filter(isPublicTcp)
    const addrs = [observed, ...listening.filter((address) => !address.equals(observed))]
    return {
      addrs: addrs.slice(0, this.opts.maxAddresses),
      localPort: port == null ? undefined : Number(port),
    }
  }

  private directConnection(peer: PeerId): Connection | undefined {
    return this.components.connectionManager
      .getConnections(peer)
      .find((connection) => connection.status === 'open' && !isRelayed(connection))
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { connection, observedAddr, listenAddrs } = evt.detail
    if (isRelayed(connection)) {
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
    this.rounds.forget(evt.detail.id)
  }

  private onConnectionOpen(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    // B is the side a relayed connection came in to
    if (!isRelayed(connection) || connection.direction !== 'inbound') return
    const key = connection.remotePeer.toString()
    if (this.active.has(key) || this.rounds.has(key) || this.active.size >= this.opts.maxConcurrentUpgrades)
      return
    this.active.add(key)
    this.upgrade(connection)
      .catch((err: Error) => this.log('upgrade of %p failed: %s', connection.remotePeer, err.message))
      .finally(() => this.active.delete(key))
  }
}
