/**
 * The initiating side of DCUtR (B in relay/DCUtR.md, the peer a relayed
 * connection came in to): first a unilateral dial to the peer's public listen
 * addresses, then up to `attempts` rounds of Connect, Connect, Sync, wait
 * RTT/2, dial. Each outcome is reported; after a direct one the relayed
 * connection is closed once `relayGracePeriod` has passed.
 */
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, delay, StreamReader } from '@weft/utils'
import {
  isPunchableQuic,
  isPunchableTcp,
  isRelayed,
  MAX_ENTRIES_EXAMINED,
  mayDial,
  punchAddresses,
  quicFirst,
  tcpPort,
} from './addresses.js'
import { birthdayPunch, canSearch, withSearch } from './birthday-punch.js'
import { HolePunchFailedError, HolePunchSkippedError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'
import { PROTOCOL, readHolePunch, writeHolePunch } from './messages.js'
import { dialableAddresses, type PunchContext, punch, strategyAddresses } from './punch.js'
import { type PunchStrategy, planPunch } from './punch-plan.js'
import type { UpgradeOutcome } from './types.js'

/** What a run planned: the strategy of its last round that got as far as planning. */
interface Planned {
  strategy?: PunchStrategy['kind']
}

export class Initiator {
  /** peers we run the initiating side (B) with */
  private readonly active = new Set<string>()
  private readonly graceTimers = new Set<ReturnType<typeof setTimeout>>()
  /** background upgrades waiting, by relayed connection id */
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(
    private readonly context: PunchContext,
    /** announces an outcome (the service's `upgrade` event) */
    private readonly announce: (outcome: UpgradeOutcome) => void,
  ) {}

  /** Whether we run the initiating side with `peer` (its key) right now. */
  isActive(peer: string): boolean {
    return this.active.has(peer)
  }

  /**
   * Upgrades in the background, unless one with this peer runs or
   * `maxConcurrentUpgrades` do. A connection that stays relayed is tried
   * again up to `upgradeRetries` times, after `upgradeRetryDelay` ms and
   * twice as long each next time, while it is open (not when the plan said
   * no punch can work).
   */
  start(relayed: Connection, busy: (peer: string) => boolean, retry = 0): void {
    const key = relayed.remotePeer.toString()
    if (this.active.has(key) || busy(key) || this.active.size >= this.context.config.maxConcurrentUpgrades)
      return
    this.active.add(key)
    this.upgrade(relayed, {}, retry)
      .then((outcome) => {
        const { upgradeRetries, upgradeRetryDelay } = this.context.config
        if (outcome.outcome !== 'relay' || outcome.strategy === 'skip' || retry >= upgradeRetries) return
        if (relayed.status !== 'open' || this.context.service.signal.aborted) return
        const timer = setTimeout(
          () => {
            this.retryTimers.delete(relayed.id)
            if (relayed.status === 'open' && !this.context.service.signal.aborted)
              this.start(relayed, busy, retry + 1)
          },
          upgradeRetryDelay * 2 ** retry,
        )
        this.retryTimers.set(relayed.id, timer)
      })
      .catch((err: Error) => this.context.log('upgrade of %p failed: %s', relayed.remotePeer, err.message))
      .finally(() => this.active.delete(key))
  }

  /** The relayed connection `connectionId` closed: no background upgrade of it is left waiting. */
  forget(connectionId: string): void {
    clearTimeout(this.retryTimers.get(connectionId))
    this.retryTimers.delete(connectionId)
  }

  stop(): void {
    for (const timer of this.graceTimers) clearTimeout(timer)
    this.graceTimers.clear()
    for (const timer of this.retryTimers.values()) clearTimeout(timer)
    this.retryTimers.clear()
    this.active.clear()
  }

  /**
   * Runs the initiating side (B) over `relayed`: up to `attempts` rounds.
   * Resolves with the outcome (also announced).
   */
  async upgrade(relayed: Connection, options: AbortOptions = {}, retry = 0): Promise<UpgradeOutcome> {
    return this.run(relayed, options, retry)
  }

  private async run(relayed: Connection, options: AbortOptions, retry: number): Promise<UpgradeOutcome> {
    const { config, log } = this.context
    const peer = relayed.remotePeer
    // the plan of the last round, kept with this run: the relayed connection
    // may close (the peer got its direct one first) before we report
    const plan: Planned = {}
    if (config.unilateral) {
      const connection = await this.dialPublic(relayed, options)
      if (connection != null) {
        return this.report(
          { peer, outcome: 'direct', method: 'unilateral', attempts: 0, connection },
          relayed,
          retry,
          plan,
        )
      }
    }
    let attempts = 0
    let error: Error = new HolePunchFailedError('no attempt was made')
    for (; attempts < config.attempts; ) {
      attempts++
      const existing = this.directConnection(peer)
      if (existing != null)
        return this.report({ peer, outcome: 'direct', attempts, connection: existing }, relayed, retry, plan)
      try {
        const connection = await this.initiate(relayed, options, plan)
        return this.report(
          { peer, outcome: 'direct', method: 'hole-punch', attempts, connection },
          relayed,
          retry,
          plan,
        )
      } catch (err) {
        error = err as Error
        log('round %d with %p failed: %s', attempts, peer, error.message)
        if (
          error.name === HolePunchSkippedError.name ||
          relayed.status !== 'open' ||
          this.context.service.signal.aborted ||
          options.signal?.aborted === true
        )
          break
      }
    }
    return this.report({ peer, outcome: 'relay', attempts, error }, relayed, retry, plan)
  }

  private report(outcome: UpgradeOutcome, relayed: Connection, retry: number, plan: Planned): UpgradeOutcome {
    if (retry > 0) outcome.retry = retry
    if (plan.strategy != null) outcome.strategy = plan.strategy
    this.context.log('%p: %s after %d round(s)', outcome.peer, outcome.outcome, outcome.attempts)
    this.announce(outcome)
    if (outcome.outcome === 'direct' && this.context.config.relayGracePeriod >= 0) {
      const timer = setTimeout(() => {
        this.graceTimers.delete(timer)
        relayed.close().catch((err: Error) => relayed.abort(err))
      }, this.context.config.relayGracePeriod)
      this.graceTimers.add(timer)
    }
    return outcome
  }

  /**
   * The spec's unilateral upgrade: when the peer announced public listen
   * addresses (identify over the relayed connection), dial them directly.
   */
  private async dialPublic(relayed: Connection, options: AbortOptions): Promise<Connection | undefined> {
    const { addresses, config, components, log } = this.context
    // identify runs when the relayed connection opens: give it a moment
    const deadline = Date.now() + 2_000
    while (!addresses.hasAnnounced(relayed.id) && Date.now() < deadline && relayed.status === 'open') {
      await delay(25, options)
    }
    // the dialer asks the connection gater about each of them; QUIC first,
    // so the dialer's staggered race starts with it
    const candidates = quicFirst(
      punchAddresses(
        addresses.announcedOn(relayed.id).map((address) => address.bytes),
        MAX_ENTRIES_EXAMINED,
      ).filter((address) => mayDial(address, config.allowPrivateAddresses)),
      config.maxAddresses,
    )
    if (candidates.length === 0) return undefined
    const signal = anySignal([options.signal, this.context.service.signal], config.punchTimeout)
    try {
      // one dial over all of them: the dialer runs one dial per peer at a time
      const peer = relayed.remotePeer.toString()
      return await components.connectionManager.openConnection(
        candidates.map((address) => address.encapsulate(`/p2p/${peer}`)),
        // ladder: false: these addresses are the whole attempt, not a start for the host's ladder
        { signal, force: true, ladder: false },
      )
    } catch (err) {
      log('direct dials to %p failed: %s', relayed.remotePeer, (err as Error).message)
      return undefined
    } finally {
      signal.clear()
    }
  }

  /** One round as B: Connect, Connect, Sync, wait RTT/2, dial. */
  private async initiate(relayed: Connection, options: AbortOptions, planned: Planned): Promise<Connection> {
    const { config, addresses } = this.context
    const exchange = anySignal([options.signal, this.context.service.signal], config.exchangeTimeout)
    let theirs: Multiaddr[]
    let rtt: number
    let strategy: PunchStrategy
    const plan = addresses.punchPlan(relayed)
    let stream: Stream | undefined
    try {
      stream = await relayed.newStream(PROTOCOL, { signal: exchange, runOnLimitedConnection: true })
      const reader = new StreamReader(stream)
      const sent = performance.now()
      const local = withSearch(config.natInfo?.(), canSearch(this.context, plan.addrs))
      await writeHolePunch(
        stream,
        { type: HolePunch.Type.CONNECT, ObsAddrs: plan.addrs.map((address) => address.bytes) },
        { signal: exchange },
        local,
      )
      const response = await readHolePunch(reader, HolePunch.Type.CONNECT, { signal: exchange })
      rtt = performance.now() - sent
      strategy = planPunch(local, response.nat, config.predictionWindow)
      planned.strategy = strategy.kind
      if (strategy.kind === 'skip') {
        // the peer planned the same from the same two reports: it expects no Sync
        reader.release()
        await stream.close({ signal: exchange }).catch(() => {})
        throw new HolePunchSkippedError(strategy.reason)
      }
      theirs = strategyAddresses(
        await dialableAddresses(this.context, relayed.remotePeer, response.ObsAddrs),
        response.nat,
        strategy,
      )
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
    await delay(rtt / 2, { signal: anySignal([options.signal, this.context.service.signal]) })
    if (strategy.kind === 'birthday') {
      return birthdayPunch(this.context, relayed.remotePeer, theirs, strategy, options)
    }
    // Those on a port the peer listens on (identify over the relayed
    // connection) also get a plain dial as the client: a listener, not a
    // punching socket, answers there (a full-cone mapping of the listen port
    // that a symmetric NAT on our side can still reach).
    // (QUIC dials are always the client's: the peer's listener answers them.)
    const announced = addresses.announcedOn(relayed.id).filter(isPunchableTcp)
    const listenPorts = new Set(announced.map(tcpPort))
    const listenAddrs = theirs.filter(
      (address) => isPunchableTcp(address) && listenPorts.has(tcpPort(address)),
    )
    const preferQuic = plan.addrs.some(isPunchableQuic)
    return punch(
      this.context,
      relayed.remotePeer,
      theirs,
      plan.localPort,
      false,
      { ...options, preferQuic },
      listenAddrs,
    )
  }

  private directConnection(peer: PeerId): Connection | undefined {
    return this.context.components.connectionManager
      .getConnections(peer)
      .find((connection) => connection.status === 'open' && !isRelayed(connection))
  }
}
