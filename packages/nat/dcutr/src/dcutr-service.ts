/**
 * DCUtR (relay/DCUtR.md "The Protocol"): turn a relayed connection into a
 * direct one by TCP simultaneous open or a QUIC dial from each side's QUIC
 * listening socket (punch.ts).
 *
 * The peer that received the relayed connection (B) opens `/libp2p/dcutr`
 * over it, sends `Connect` with the address its relay saw it at, measures
 * the round trip until the other side's `Connect`, sends `Sync`, waits half
 * that round trip and dials; the other side (A) dials as soon as `Sync`
 * arrives. Both dial from the local port of their own connection to the
 * relay, so an endpoint-independent NAT reuses the mapping the relay saw
 * (Node 20 cannot share a listening port; see @weft/tcp `shareDialPorts`).
 * A is the client of the new connection, B the server; B also dials the
 * peer's addresses on its listen ports as a plain client (a listener answers
 * there, not a punching socket), and a round ends as soon as a direct
 * connection with the peer opens, whoever dialed it. B tries up to
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
  type Startable,
  TypedEventEmitter,
} from '@libp2p/interface'
import { ProtocolHandler } from '@weft/utils'
import { AddressBook } from './address-book.js'
import { isRelayed } from './addresses.js'
import { type DCUtRConfig, resolveConfig } from './config.js'
import { DCUtRStoppedError } from './errors.js'
import { Initiator } from './initiator.js'
import { connectionLadderRungSymbol, type HolePunchRung, holePunchRung } from './ladder-rung.js'
import { PROTOCOL } from './messages.js'
import { Responder } from './responder.js'
import type { DCUtRComponents, DCUtREvents, DCUtRInit, UpgradeOutcome } from './types.js'

export type { DCUtRComponents, DCUtREvents, DCUtRInit, UpgradeOutcome } from './types.js'

/**
 * The service: registers the protocol, follows identify and the connections,
 * and hands relayed connections to the initiator (B, initiator.ts) and
 * hole-punch streams to the responder (A, responder.ts).
 */
export class DCUtR extends TypedEventEmitter<DCUtREvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/dcutr'
  private readonly handler: ProtocolHandler
  private readonly addresses: AddressBook
  private readonly initiator: Initiator
  private readonly responder: Responder
  private readonly config: DCUtRConfig
  private readonly log: Logger
  private started = false
  private readonly watchers = new Set<(event: { relayed?: Connection; outcome?: UpgradeOutcome }) => void>()
  private readonly rung: HolePunchRung

  constructor(
    private readonly components: DCUtRComponents,
    init: DCUtRInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:dcutr')
    this.config = resolveConfig(init)
    this.addresses = new AddressBook(components, this.config.maxAddresses)
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      // two: B's next round may open a new stream while the last one closes
      options: { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: true },
      handler: (stream, connection) => void this.responder.onStream(stream, connection),
      stoppedError: () => new DCUtRStoppedError('DCUtR stopped'),
    })
    const context = {
      components,
      config: this.config,
      addresses: this.addresses,
      log: this.log,
      service: this.handler,
    }
    this.initiator = new Initiator(context, (outcome) => {
      this.safeDispatchEvent('upgrade', { detail: outcome })
      for (const watcher of this.watchers) watcher({ outcome })
    })
    this.responder = new Responder(
      context,
      (peer) => this.initiator.isActive(peer),
      (relayed) => {
        for (const watcher of this.watchers) watcher({ relayed })
      },
    )
    this.rung = holePunchRung({
      components,
      timeout: this.config.rungTimeout,
      isStarted: () => this.started,
      watch: (watcher) => {
        this.watchers.add(watcher)
        return () => this.watchers.delete(watcher)
      },
    })
    this.onIdentify = this.onIdentify.bind(this)
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
    this.onConnectionClose = this.onConnectionClose.bind(this)
  }

  /** The `hole-punch` rung of the host's connection ladder (ladder-rung.ts). */
  get [connectionLadderRungSymbol](): HolePunchRung {
    return this.rung
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
    this.initiator.stop()
    await this.handler.stop()
    this.addresses.clear()
    this.responder.clear(new DCUtRStoppedError('DCUtR stopped'))
  }

  /**
   * Runs the initiating side (B) over `relayed`: up to `attempts` rounds.
   * Resolves with the outcome (also dispatched as an `upgrade` event).
   */
  async upgrade(relayed: Connection, options: AbortOptions = {}): Promise<UpgradeOutcome> {
    return this.initiator.upgrade(relayed, options)
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    this.addresses.record(evt.detail)
  }

  private onConnectionClose(evt: CustomEvent<Connection>): void {
    this.addresses.forget(evt.detail.id)
    this.responder.forget(evt.detail.id)
    this.initiator.forget(evt.detail.id)
  }

  private onConnectionOpen(evt: CustomEvent<Connection>): void {
    const connection = evt.detail
    // B is the side a relayed connection came in to
    if (!isRelayed(connection) || connection.direction !== 'inbound') return
    this.initiator.start(connection, (peer) => this.responder.isAnswering(peer))
  }
}
