/**
 * The responding side of DCUtR (A in relay/DCUtR.md): answer Connect, dial
 * once on Sync, and again for each new round B starts, up to `attempts`
 * rounds per relayed connection; the bookkeeping is `Rounds` (rounds.ts).
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, StreamReader } from '@weft/utils'
import { MAX_OBSERVED } from './address-book.js'
import { isPunchableQuic, isRelayed } from './addresses.js'
import { birthdayPunch, canSearch, withSearch } from './birthday-punch.js'
import { HolePunchFailedError, HolePunchRefusedError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'
import { type ReceivedHolePunch, readHolePunch, writeHolePunch } from './messages.js'
import { dialableAddresses, type PunchContext, punch, strategyAddresses } from './punch.js'
import { type PunchStrategy, planPunch } from './punch-plan.js'
import { Rounds } from './rounds.js'

export class Responder {
  /** the rounds we answer (A): one per peer at a time, `attempts` per relayed connection */
  private readonly rounds: Rounds

  constructor(
    private readonly context: PunchContext,
    /** whether we run the initiating side with a peer (its key) ourselves */
    private readonly initiating: (peer: string) => boolean,
    /** a round the plan said to skip (both sides know no punch can work) */
    private readonly onSkip: (relayed: Connection) => void = () => {},
  ) {
    this.rounds = new Rounds({
      attempts: context.config.attempts,
      maxConcurrent: context.config.maxConcurrentUpgrades,
      maxConnections: MAX_OBSERVED,
    })
  }

  /** Whether a hole punch with `peer` (its key) is being answered. */
  isAnswering(peer: string): boolean {
    return this.rounds.has(peer)
  }

  /** The relayed connection `connectionId` closed: its rounds are no longer counted. */
  forget(connectionId: string): void {
    this.rounds.forget(connectionId)
  }

  /** Cancels every round in progress with `reason`. */
  clear(reason: Error): void {
    this.rounds.clear(reason)
  }

  /**
   * Answers a `/libp2p/dcutr` stream: Connect, dial once on Sync, and again
   * for each new round B starts (on this stream, as the spec says, or on a
   * new one, which cancels the round in flight), up to `attempts` rounds per
   * relayed connection. A stream on a direct connection is reset unanswered.
   */
  async onStream(stream: Stream, connection: Connection): Promise<void> {
    const { log, addresses } = this.context
    const key = connection.remotePeer.toString()
    const refusal = this.refusal(connection, key)
    if (refusal != null) {
      log('refused a hole punch from %p: %s', connection.remotePeer, refusal)
      stream.abort(new HolePunchRefusedError(refusal))
      return
    }
    const round = this.rounds.begin(key, new HolePunchFailedError('the peer started a new round'))
    const reader = new StreamReader(stream)
    try {
      // each pass takes one of the connection's `attempts` rounds or leaves
      while (true) {
        const answer = await this.answerRound(stream, reader, connection, round.signal)
        if (answer === 'skip') {
          this.onSkip(connection)
          return
        }
        if (answer == null) return
        const { theirs, strategy } = answer
        try {
          const plan = addresses.punchPlan(connection)
          if (strategy.kind === 'birthday') {
            const signal = round.signal
            await birthdayPunch(this.context, connection.remotePeer, theirs, strategy, { signal })
            return
          }
          await punch(this.context, connection.remotePeer, theirs, plan.localPort, true, {
            signal: round.signal,
            // both sides offered QUIC (punch() checks theirs)
            preferQuic: plan.addrs.some(isPunchableQuic),
          })
          return
        } catch (err) {
          // B starts the next round, if any; we never dial again on our own
          log('dialing %p failed: %s', connection.remotePeer, (err as Error).message)
          if (round.signal.aborted) return
        }
      }
    } catch (err) {
      log('hole punch request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      this.rounds.end(key, round)
      // done with it whichever way this ended: free the connection's stream slot
      if (stream.writeStatus === 'writable') {
        const signal = AbortSignal.timeout(this.context.config.exchangeTimeout)
        await stream.close({ signal }).catch((err: Error) => stream.abort(err))
      }
    }
  }

  /** Why a hole punch request on `connection` is refused, or undefined to answer it. */
  private refusal(connection: Connection, key: string): string | undefined {
    if (!isRelayed(connection)) return 'not a relayed connection'
    if (this.initiating(key)) return 'we are upgrading this connection ourselves'
    return this.rounds.refusal(key, connection.id)
  }

  /**
   * One Connect/Connect/Sync exchange as A, counted against the connection's
   * `attempts` rounds; the addresses to dial and the plan, or undefined when B ended the
   * stream between rounds or named none we may dial; `'skip'` when both
   * sides' NAT information says no punch can work (B sends no Sync then).
   *
   * @throws HolePunchRefusedError when the connection had all its rounds
   */
  private async answerRound(
    stream: Stream,
    reader: StreamReader,
    connection: Connection,
    cancel: AbortSignal,
  ): Promise<{ theirs: Multiaddr[]; strategy: PunchStrategy } | 'skip' | undefined> {
    const { config, addresses } = this.context
    const exchange = anySignal([this.context.service.signal, cancel], config.exchangeTimeout)
    try {
      let request: ReceivedHolePunch
      try {
        request = await readHolePunch(reader, HolePunch.Type.CONNECT, { signal: exchange })
      } catch (err) {
        // B closed the stream after a round: nothing more to do
        if ((err as Error).name === 'UnexpectedEOFError' && reader.bufferedBytes === 0) return undefined
        throw err
      }
      if (!this.rounds.count(connection.id)) {
        throw new HolePunchRefusedError(`no more than ${config.attempts} rounds per connection`)
      }
      const plan = addresses.punchPlan(connection)
      const local = withSearch(config.natInfo?.(), canSearch(this.context, plan.addrs))
      const strategy = planPunch(local, request.nat, config.predictionWindow)
      const theirs = strategyAddresses(
        await dialableAddresses(this.context, connection.remotePeer, request.ObsAddrs),
        request.nat,
        strategy,
      )
      await writeHolePunch(
        stream,
        { type: HolePunch.Type.CONNECT, ObsAddrs: plan.addrs.map((address) => address.bytes) },
        { signal: exchange },
        local,
      )
      if (strategy.kind === 'skip') {
        this.context.log('no punch with %p: %s', connection.remotePeer, strategy.reason)
        return 'skip'
      }
      await readHolePunch(reader, HolePunch.Type.SYNC, { signal: exchange })
      return theirs.length === 0 ? undefined : { theirs, strategy }
    } finally {
      exchange.clear()
    }
  }
}
