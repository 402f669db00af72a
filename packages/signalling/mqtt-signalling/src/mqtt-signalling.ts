/**
 * The MQTT signalling service: our topic on every configured broker
 * (broker-pool.ts), sending to a peer's topic on every connected broker
 * (outbox.ts), and the checks on what arrives (inbound-checks.ts: signal.ts,
 * then rate and replay). On top: request/reply (a reply names its request's
 * nonce), findPeer (peer routing by peer id alone) and reverse connect
 * (requestDialBack / DialBackServer).
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type Libp2pEvents,
  type Logger,
  type PeerId,
  type PeerInfo,
  type PeerRouting,
  type PeerStore,
  type PrivateKey,
  peerRoutingSymbol,
  type Startable,
  serviceCapabilities,
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import { BrokerPool } from './broker-pool.js'
import { type MqttSignallingConfig, type MqttSignallingInit, resolveConfig } from './config.js'
import { type DialBackComponents, DialBackServer } from './dial-back.js'
import { SignallingStoppedError } from './errors.js'
import type { MqttSignallingEvents } from './events.js'
import { InboundChecks } from './inbound-checks.js'
import {
  DIAL_BACK,
  DIAL_BACK_REPLY,
  decodeAddressList,
  decodeDialBackResult,
  encodeAddressList,
  encodeDialBackResult,
  FIND_PEER,
  FIND_PEER_REPLY,
  RESERVED_PREFIX,
} from './messages.js'
import { Outbox } from './outbox.js'
import {
  awaitDialBack,
  connectionLadderRungSymbol,
  type ReverseConnectRung,
  reverseConnectRung,
} from './reverse-connect.js'
import { type OpenedSignal, type SealKeys, type SignalMessage, sealKeys } from './signal.js'
import { emptyStats, rejectReason, type SignallingStats } from './stats.js'

export interface MqttSignallingComponents extends DialBackComponents {
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  peerStore: Pick<PeerStore, 'merge'>
  addressManager: { getAddresses(): Multiaddr[] }
}

export class MqttSignalling extends TypedEventEmitter<MqttSignallingEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@weft/mqtt-signalling'
  readonly [serviceCapabilities]: string[] = ['@weft/mqtt-signalling', '@libp2p/peer-routing']
  readonly config: MqttSignallingConfig
  private readonly log: Logger
  private readonly brokers: BrokerPool
  private keys?: SealKeys
  private readonly inbound: InboundChecks
  private readonly outbox: Outbox
  private readonly dialBacks: DialBackServer
  private shutdown = new AbortController()
  private started = false
  private readonly counters: SignallingStats = emptyStats()
  private readonly routing: Pick<PeerRouting, 'findPeer'>
  private readonly rung: ReverseConnectRung

  constructor(
    private readonly components: MqttSignallingComponents,
    init: MqttSignallingInit,
  ) {
    super()
    this.config = resolveConfig(init)
    this.log = components.logger.forComponent('weft:mqtt-signalling')
    this.brokers = new BrokerPool(this.log)
    this.inbound = new InboundChecks(this.config)
    this.outbox = new Outbox({
      peerId: components.peerId,
      privateKey: components.privateKey,
      brokers: this.brokers,
      config: this.config,
      log: this.log,
      onSent: () => {
        this.counters.sent++
      },
    })
    this.dialBacks = new DialBackServer(components, {
      policy: {
        allowPrivateAddresses: this.config.allowPrivateAddresses,
        max: this.config.maxDialBackAddresses,
        filter: this.config.dialBackFilter,
      },
      maxConcurrent: this.config.maxConcurrentDialBacks,
      timeout: this.config.dialBackTimeout,
      log: this.log,
    })
    this.routing = { findPeer: async (peerId, options) => this.findPeer(peerId, options) }
    this.rung = reverseConnectRung(this)
  }

  get [peerRoutingSymbol](): Pick<PeerRouting, 'findPeer'> {
    return this.routing
  }

  /** The `reverse` rung of the host's connection ladder (when `ladderRung` is on). */
  get [connectionLadderRungSymbol](): ReverseConnectRung[] {
    return this.config.ladderRung ? [this.rung] : []
  }

  /** The topic a peer listens on. */
  topicOf(peerId: PeerId): string {
    return this.outbox.topicOf(peerId)
  }

  /** Counters of what was sent, accepted and rejected (by reason). */
  get stats(): SignallingStats {
    return { ...this.counters, rejected: { ...this.counters.rejected } }
  }

  /** The URLs of the brokers connected now. */
  get connectedBrokers(): string[] {
    return this.brokers.connected
  }

  isStarted(): boolean {
    return this.started
  }

  async start(options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    this.keys = sealKeys(this.components.peerId, this.components.privateKey)
    this.shutdown = new AbortController()
    this.inbound.start(Date.now())
    this.started = true
    this.outbox.start(this.shutdown.signal)
    this.brokers.start(this.config.brokers, {
      ...this.config,
      topic: this.topicOf(this.components.peerId),
      log: this.log,
      onMessage: (payload) => this.receive(payload),
      onConnect: (url) => this.safeDispatch('broker:connect', { url }),
      onDisconnect: (url, error) => this.safeDispatch('broker:disconnect', { url, error }),
    })
    // a host starts even with every broker down: they keep reconnecting, and sends say NoBrokerError meanwhile
    const wait = anySignal([options.signal, this.shutdown.signal])
    try {
      await this.brokers.waitReady(this.config.startTimeout, wait)
    } finally {
      wait.clear()
    }
    if (this.connectedBrokers.length === 0)
      this.log.error('no broker connected within %d ms; retrying in the background', this.config.startTimeout)
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort(new SignallingStoppedError('the signalling service stopped'))
    this.outbox.stop(new SignallingStoppedError('the signalling service stopped'))
    await this.brokers.stop()
    this.inbound.stop()
  }

  /**
   * Sends `message` to `peerId` through every connected broker. Resolves once
   * one broker acknowledged it; `NoBrokerError` when none is connected.
   */
  async send(peerId: PeerId, message: SignalMessage, options: AbortOptions = {}): Promise<void> {
    await this.outbox.send(peerId, message, options)
  }

  /** Adds a listener and returns the function that removes it. */
  on<K extends keyof MqttSignallingEvents>(
    type: K,
    listener: (detail: MqttSignallingEvents[K]['detail']) => void,
  ): () => void {
    const handler = (evt: MqttSignallingEvents[K]): void => listener(evt.detail)
    this.addEventListener(type, handler)
    return () => this.removeEventListener(type, handler)
  }

  /**
   * Peer routing by peer id alone: asks the peer for its addresses, which
   * come back signed by its key. They go into the peer store, so
   * `host.dial(peerId)` follows.
   */
  async findPeer(peerId: PeerId, options: AbortOptions = {}): Promise<PeerInfo> {
    if (peerId.equals(this.components.peerId))
      throw new RangeError('findPeer: cannot look up our own peer id')
    const reply = await this.outbox.request(
      peerId,
      { type: FIND_PEER, payload: new Uint8Array(0) },
      FIND_PEER_REPLY,
      options,
    )
    const multiaddrs = decodeAddressList(reply.payload).filter((addr) => {
      const id = addr.getComponents().findLast((component) => component.name === 'p2p')?.value
      return id === undefined || id === peerId.toString()
    })
    await this.components.peerStore.merge(peerId, { multiaddrs }, options)
    return { id: peerId, multiaddrs }
  }

  /** Whether `requestDialBack(peerId)` can go out now: started, a broker connected, a peer id to seal to, addresses to offer. */
  canRequestDialBack(peerId: PeerId): boolean {
    return (
      this.started &&
      peerId.type === 'Ed25519' &&
      !peerId.equals(this.components.peerId) &&
      this.brokers.anyConnected &&
      this.components.addressManager.getAddresses().length > 0
    )
  }

  /**
   * Reverse connect: asks `peerId` to dial us back at `addrs` (default: the
   * addresses the host announces). Resolves with the connection it opens,
   * inbound here; `DialBackFailedError` when it says it could not,
   * `TimeoutError` after `requestTimeout`.
   */
  async requestDialBack(
    peerId: PeerId,
    addrs?: Multiaddr[],
    options: AbortOptions = {},
  ): Promise<Connection> {
    const offered = addrs ?? this.components.addressManager.getAddresses()
    const signal = anySignal([options.signal, this.shutdown.signal], this.config.requestTimeout)
    try {
      return await awaitDialBack({
        events: this.components.events,
        peerId,
        signal,
        ask: async () => {
          const message = { type: DIAL_BACK, payload: encodeAddressList(offered) }
          const reply = await this.outbox.request(peerId, message, DIAL_BACK_REPLY, { signal })
          return decodeDialBackResult(reply.payload)
        },
      })
    } finally {
      signal.clear()
    }
  }

  private receive(bytes: Uint8Array): void {
    if (!this.started || this.keys === undefined) return
    this.counters.received++
    const now = Date.now()
    let opened: OpenedSignal | undefined
    try {
      opened = this.inbound.open(bytes, this.keys, now)
      this.inbound.admit(opened, now)
      this.counters.accepted++
      this.dispatchSignal(opened)
    } catch (err) {
      this.reject(err as Error, opened?.from)
    }
  }

  private dispatchSignal(signal: OpenedSignal): void {
    if (signal.inReplyTo !== undefined) {
      this.outbox.settle(signal)
      return
    }
    switch (signal.type) {
      case FIND_PEER:
        if (this.config.answerFindPeer) {
          const payload = encodeAddressList(this.components.addressManager.getAddresses())
          this.outbox.reply(signal, { type: FIND_PEER_REPLY, payload })
        }
        return
      case DIAL_BACK:
        if (this.config.serveDialBack) this.serveDialBack(signal)
        return
      default:
        if (signal.type.startsWith(RESERVED_PREFIX)) {
          this.log('ignoring reserved message type %s from %p', signal.type, signal.from)
          return
        }
        this.safeDispatch('message', {
          from: signal.from,
          type: signal.type,
          payload: signal.payload,
          expiry: signal.expiry,
        })
    }
  }

  private serveDialBack(request: OpenedSignal): void {
    let offered: Multiaddr[]
    try {
      offered = decodeAddressList(request.payload)
    } catch (err) {
      this.reject(err as Error, request.from)
      return
    }
    void this.dialBacks.serve(request.from, offered, this.shutdown.signal).then((result) => {
      this.safeDispatch('dial-back', {
        peer: request.from,
        ok: result.ok,
        address: result.address,
        error: result.error,
      })
      this.outbox.reply(request, { type: DIAL_BACK_REPLY, payload: encodeDialBackResult(result) })
    })
  }

  private reject(error: Error, from?: PeerId): void {
    const reason = rejectReason(error)
    if (reason === 'internal')
      this.log.error('handling a signalling message failed: %s', error.stack ?? error.message)
    else
      this.log(
        'rejected a message%s: %s',
        from === undefined ? '' : ` from ${from.toString()}`,
        error.message,
      )
    this.counters.rejected[reason]++
    this.safeDispatch('reject', { reason, error, from })
  }

  /** A listener that throws is logged, never let into the MQTT client's callbacks. */
  private safeDispatch<K extends keyof MqttSignallingEvents>(
    type: K,
    detail: MqttSignallingEvents[K]['detail'],
  ): void {
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.error('a %s listener threw: %s', type, (err as Error).message)
    }
  }
}
