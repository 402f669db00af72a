/**
 * A QUIC v1 connection, client or server, without sockets (RFC 9000, 9001,
 * 9002): datagrams come in through `receive`, go out through `init.send`.
 * It runs the TLS handshake over the Initial, Handshake and 1-RTT spaces,
 * discards keys as the handshake progresses, carries bidirectional streams
 * (`StreamManager`), recovers losses (`LossDetection`, NewReno, a pacer),
 * keeps the server within 3× what the client sent before its address is
 * validated, updates 1-RTT keys every `keyUpdateInterval` packets, sends
 * PINGs to stay alive, and closes on idle timeout, CONNECTION_CLOSE or a
 * stateless reset. Servers issue spare connection IDs (`issued-ids.ts`).
 *
 * Receiving is in `receiver.ts` and `frame-handler.ts`, sending in
 * `sender.ts`, streams and flow control in `streams.ts`, our transport
 * parameters in `connection-parameters.ts`.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '@libp2p/interface'
import { ConnectionClosedError, QuicTransportError, TransportErrorCode } from '../errors.js'
import type { Frame } from '../frame.js'
import type { KeyPhase } from '../key-phase.js'
import { initialKeys } from '../packet-keys.js'
import { Pacer } from '../recovery/congestion.js'
import { LossDetection } from '../recovery/loss-detection.js'
import type { EncryptionLevel, HandshakeEvent, HandshakeResult } from '../tls/handshake-endpoint.js'
import { TlsClient } from '../tls/tls-client.js'
import { TlsServer } from '../tls/tls-server.js'
import type { TransportParameters } from '../transport-parameters.js'
import { PeerConnectionIds } from './connection-ids.js'
import type { ConnectionEvents, ConnectionInit } from './connection-init.js'
import { checkServerConnectionIds, localTransportParameters } from './connection-parameters.js'
import { DeadlineTimer } from './deadline-timer.js'
import { ackDeadline, idleDeadline, keepAliveDeadline } from './deadlines.js'
import { HandshakeKeys } from './handshake-keys.js'
import { Inbox } from './inbox.js'
import { issueConnectionIds } from './issued-ids.js'
import { LocalConnectionIds } from './local-connection-ids.js'
import { PacketSpace } from './packet-space.js'
import { receiveDatagram } from './receiver.js'
import { Retransmission } from './retransmission.js'
import { flush } from './sender.js'
import { newConnectionId, newResetKey } from './stateless-reset.js'
import { StreamManager } from './streams.js'

export const CONNECTION_ID_LENGTH = 8
/** datagrams queued for one connection between two turns of the event loop */
const INBOX_LIMIT = 256

export type {
  ConnectionEvents,
  ConnectionInit,
  ConnectionOptions,
  ConnectionRouting,
} from './connection-init.js'

export class QuicConnection {
  readonly scid: Uint8Array
  /** the client's first DCID: the server also routes it here until the client switches */
  readonly originalDcid: Uint8Array
  dcid: Uint8Array
  readonly isClient: boolean
  state: 'handshake' | 'established' | 'closed' = 'handshake'
  result: HandshakeResult | undefined
  readonly spaces: Record<EncryptionLevel, PacketSpace>
  oneRtt: KeyPhase | undefined
  readonly recovery = new LossDetection()
  readonly pacer = new Pacer()
  readonly streams: StreamManager
  /** the connection IDs the peer issued us (NEW_CONNECTION_ID) */
  readonly peerConnectionIds = new PeerConnectionIds()
  /** the connection IDs we issued the peer */
  readonly localConnectionIds: LocalConnectionIds
  /** the destination ID of the 1-RTT packet being handled (RETIRE_CONNECTION_ID must not name it) */
  receivingDcid: Uint8Array | undefined
  readonly log: Logger
  events: ConnectionEvents = { established: () => {}, stream: () => {}, closed: () => {} }
  // amplification limit (RFC 9000 §8.1)
  addressValidated: boolean
  bytesReceived = 0
  bytesSent = 0
  // pending control frames
  handshakeDonePending = false
  pingPending = false
  pathResponse: Uint8Array | undefined
  closeFrame: { errorCode: number; reason: string; application: boolean } | undefined
  /** ms: when the idle timer and keep-alive are due */
  lastActivity = Date.now()
  lastAckElicitingSent = 0
  idleTimeout: number
  /** 1-RTT packets sent in the current key phase, and the first of them */
  packetsInPhase = 0
  phaseStart = 0
  keyUpdates = 0
  peerParameters: TransportParameters | undefined
  /** the handshake (the receive path feeds it CRYPTO bytes) */
  readonly tls: TlsClient | TlsServer
  private readonly handshakeKeys: HandshakeKeys
  private chain: Promise<void> = Promise.resolve()
  private readonly inbox = new Inbox(INBOX_LIMIT, () => this.serialize(() => this.receiveBatch()))
  private readonly timer = new DeadlineTimer(() => this.onTimer())
  private readonly retransmission: Retransmission
  private flushScheduled = false
  /** when the pacer lets the next packet out */
  pacedUntil = 0

  constructor(readonly init: ConnectionInit) {
    this.isClient = init.role === 'client'
    const resetKey = init.resetKey ?? newResetKey()
    const isRouted = (id: Uint8Array): boolean => init.routing?.isRouted(id) ?? false
    this.scid = newConnectionId(resetKey, CONNECTION_ID_LENGTH, isRouted)
    this.log = init.log
    this.idleTimeout = init.idleTimeout
    this.addressValidated = this.isClient
    this.recovery.isClient = this.isClient
    this.originalDcid = init.clientDcid ?? new Uint8Array(randomBytes(CONNECTION_ID_LENGTH))
    this.dcid = init.clientScid ?? this.originalDcid
    this.spaces = {
      initial: new PacketSpace('initial'),
      handshake: new PacketSpace('handshake'),
      'one-rtt': new PacketSpace('one-rtt'),
    }
    const keys = initialKeys(this.originalDcid)
    this.spaces.initial.read = this.isClient ? keys.server : keys.client
    this.spaces.initial.write = this.isClient ? keys.client : keys.server
    this.handshakeKeys = new HandshakeKeys(this.spaces.handshake, this.recovery)
    this.streams = new StreamManager(this.isClient, init.limits)
    this.streams.onIncoming = (stream) => this.events.stream(stream)
    this.localConnectionIds = new LocalConnectionIds(this.scid, resetKey, isRouted)
    this.retransmission = new Retransmission(
      this.spaces,
      this.recovery,
      this.localConnectionIds,
      this.streams,
      () => {
        this.handshakeDonePending = true
      },
    )
    const transportParameters = localTransportParameters({
      isClient: this.isClient,
      idleTimeout: init.idleTimeout,
      scid: this.scid,
      originalDcid: this.originalDcid,
      resetKey,
      streams: this.streams.parameters(),
    })
    const tlsInit = { certificate: init.certificate, transportParameters }
    this.tls = this.isClient ? new TlsClient(tlsInit) : new TlsServer(tlsInit)
  }

  /** Client: sends the first Initial. */
  start(): void {
    if (this.tls instanceof TlsClient)
      this.serialize(async () => this.apply(await (this.tls as TlsClient).start()))
  }

  /** One datagram from the peer. */
  receive(datagram: Uint8Array): void {
    if (this.state === 'closed') return
    this.inbox.push(datagram)
  }

  /** Sends what is queued, soon (coalescing writes of one tick). */
  scheduleFlush(): void {
    if (this.flushScheduled || this.state === 'closed') return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      this.flushNow()
    })
  }

  /** Closes with CONNECTION_CLOSE (application close when 1-RTT keys exist). */
  close(errorCode = 0, reason = ''): void {
    if (this.state === 'closed' || this.closeFrame != null) return
    this.closeFrame = { errorCode, reason, application: this.oneRtt != null && this.result != null }
    this.flushNow()
    this.finish(
      errorCode === 0 ? undefined : new ConnectionClosedError(`closed locally: ${reason}`, errorCode),
    )
  }

  /** Ends the connection now; `err` is what streams and listeners see. */
  finish(err?: Error): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.timer.clear()
    if (err != null) this.log('closed: %s', err.message)
    this.streams.closeAll(err ?? new ConnectionClosedError('the connection closed'))
    this.events.closed(err)
  }

  /** Queues handshake events: bytes to send, keys to install, completion. */
  apply(events: HandshakeEvent[]): void {
    for (const event of events) {
      if (event.type === 'send') {
        this.spaces[event.level].cryptoQueue.push(event.data)
      } else if (event.type === 'complete') {
        this.onHandshakeComplete(event.result)
      } else {
        const phase = this.handshakeKeys.install(event)
        if (phase != null) this.oneRtt = phase
      }
    }
  }

  /** Drops a finished level's keys and in-flight packets. */
  discardLevel(level: 'initial' | 'handshake'): void {
    if (this.spaces[level].discarded) return
    this.spaces[level].discard()
    this.recovery.discard(level)
  }

  /** The handshake is confirmed (RFC 9001 §4.1.2): Handshake keys go. */
  confirmHandshake(): void {
    if (this.recovery.handshakeConfirmed) return
    this.recovery.handshakeConfirmed = true
    this.discardLevel('initial')
    this.discardLevel('handshake')
    issueConnectionIds(this)
  }

  /** The peer's stateless reset token for the ID we send with may have changed. */
  peerResetTokenChanged(): void {
    this.init.routing?.peerResetToken(this.peerConnectionIds.tokenInUse)
  }

  /** A stateless reset from the peer (RFC 9000 §10.3.1): draining at once, nothing sent. */
  onStatelessReset(): void {
    this.finish(new ConnectionClosedError('the peer sent a stateless reset'))
  }

  flushNow(): void {
    if (this.state === 'closed') return
    try {
      flush(this)
    } catch (err) {
      this.fail(err as Error)
      return
    }
    this.armTimer()
  }

  /** A connection error: CONNECTION_CLOSE with its code, then closed. */
  fail(err: Error): void {
    if (this.state === 'closed') return
    const code = err instanceof QuicTransportError ? err.code : TransportErrorCode.INTERNAL_ERROR
    this.log('connection error 0x%s: %s', code.toString(16), err.message)
    if (this.closeFrame == null) {
      this.closeFrame = { errorCode: code, reason: err.message.slice(0, 100), application: false }
      try {
        flush(this)
      } catch {}
    }
    this.finish(err)
  }

  private serialize(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).then(
      () => this.flushNow(),
      (err) => this.fail(err as Error),
    )
  }

  /** The datagrams of one turn of the event loop (`Inbox`), one after another. */
  private async receiveBatch(): Promise<void> {
    for (const next of this.inbox.take()) {
      await receiveDatagram(this, next)
      if (this.closed) return
    }
  }

  private onHandshakeComplete(result: HandshakeResult): void {
    const params = result.transportParameters
    // the client's DCID is by now the server's SCID (receiver.ts)
    if (this.isClient) checkServerConnectionIds(params, this.originalDcid, this.dcid)
    this.peerParameters = params
    if (this.isClient && params.statelessResetToken != null) {
      this.peerConnectionIds.setHandshakeToken(params.statelessResetToken)
      this.peerResetTokenChanged()
    }
    this.result = result
    this.streams.setPeerParameters(params)
    this.recovery.maxAckDelay = params.maxAckDelay
    this.recovery.handshakeComplete = true
    if (params.maxIdleTimeout > 0)
      this.idleTimeout = Math.min(this.idleTimeout || Infinity, params.maxIdleTimeout)
    this.state = 'established'
    if (!this.isClient) {
      this.handshakeDonePending = true
      this.confirmHandshake()
    }
    this.log('handshake complete with %s (%s)', result.peerId.toString(), result.suite.name)
    this.events.established(result)
  }

  get closed(): boolean {
    return this.state === 'closed'
  }

  /** Our write keys changed: count packets of the new phase from here. */
  startPhase(): void {
    this.packetsInPhase = 0
    this.phaseStart = this.spaces['one-rtt'].nextPacketNumber
    this.keyUpdates++
  }

  /** One timer for everything: loss/PTO, ACK delay, idle, keep-alive, pacing. */
  private armTimer(): void {
    if (this.state === 'closed') return
    const deadlines = [
      this.recovery.deadline(),
      ackDeadline(this),
      idleDeadline(this),
      keepAliveDeadline(this),
    ]
    if (this.pacedUntil > 0) deadlines.push(this.pacedUntil)
    let at = Number.POSITIVE_INFINITY
    for (const deadline of deadlines) if (deadline != null && deadline < at) at = deadline
    this.timer.set(at)
  }

  private onTimer(): void {
    if (this.state === 'closed') return
    const now = Date.now()
    const idle = idleDeadline(this)
    if (idle != null && idle <= now) {
      this.finish(new ConnectionClosedError(`idle for ${this.idleTimeout} ms`))
      return
    }
    const keepAlive = keepAliveDeadline(this)
    if (keepAlive != null && keepAlive <= now) this.pingPending = true
    const timeout = this.recovery.onTimeout(now)
    if (timeout != null) {
      if (timeout.kind === 'loss')
        this.requeue(
          timeout.level,
          timeout.lost.flatMap((packet) => packet.frames),
        )
      else this.retransmission.probe(timeout.level)
    }
    this.flushNow()
  }

  /** Lost frames go back in front of new data (`Retransmission`). */
  requeue(level: EncryptionLevel, frames: readonly Frame[]): void {
    this.retransmission.requeue(level, frames)
  }
}
