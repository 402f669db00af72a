/**
 * The hop side of circuit relay v2 (relay/circuit-v2.md "Hop Protocol"): a
 * relay service that grants reservations with signed vouchers and switches
 * circuits between a reserving peer and whoever asks to reach it, under
 * per-reservation and per-circuit limits on time and bytes.
 */
import type {
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  PeerId,
  PrivateKey,
  Startable,
  Stream,
  TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { RecordEnvelope } from '@weft/record'
import { anySignal, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { isCircuitAddress, reservationAddressKey } from './addresses.js'
import { HopMessage, Status, StopMessage } from './circuit.pb.js'
import { CircuitBridge } from './circuit-bridge.js'
import { resolveServerConfig } from './config.js'
import { HOP_PROTOCOL, STOP_PROTOCOL } from './constants.js'
import { RelayStoppedError } from './errors.js'
import { type CircuitLimits, limitToWire, readHop, readStop, writeHop, writeStop } from './messages.js'
import { ReservationStore } from './reservation-store.js'
import { ReservationVoucher } from './voucher.js'

export interface CircuitRelayServerInit {
  /** peers holding a reservation at once (default 15); more are refused with RESERVATION_REFUSED */
  maxReservations?: number
  /** reservations held by peers behind one IPv4 address or IPv6 /64 (default 4); more are refused */
  maxReservationsPerIp?: number
  /** ms a reservation lasts (default 2 h) */
  reservationTtl?: number
  /** ms a circuit may stay open (default 2 min; 0: unlimited) */
  durationLimit?: number
  /** bytes a circuit may carry per direction (default 128 KiB; 0n: unlimited) */
  dataLimit?: bigint
  /** circuits open at once (default 64) */
  maxCircuits?: number
  /** circuits one peer may be part of at once (default 16) */
  maxCircuitsPerPeer?: number
  /** ms one hop or stop exchange may take (default 30 s) */
  hopTimeout?: number
  /** hop streams one connection may have open (default 32) */
  maxInboundHopStreams?: number
  /**
   * reset circuits that go over the limits (default true); false only
   * announces them, as a relay that does not keep its word would: for
   * testing clients, which enforce the limits themselves
   */
  enforceLimits?: boolean
}

export interface CircuitRelayServerComponents {
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  connectionManager: { getConnections(peerId?: PeerId): Connection[] }
  addressManager: { getAddresses(): Multiaddr[] }
}

export class CircuitRelayServer implements Startable {
  readonly [Symbol.toStringTag] = '@weft/circuit-relay-server'
  private readonly store: ReservationStore
  private readonly limits: CircuitLimits
  private readonly enforceLimits: boolean
  private readonly hopTimeout: number
  private readonly reservationTtl: number
  private readonly maxCircuitsPerPeer: number
  private readonly handler: ProtocolHandler
  private readonly bridges = new Set<CircuitBridge>()
  private readonly log: Logger
  private sweepTimer?: ReturnType<typeof setInterval>

  constructor(
    private readonly components: CircuitRelayServerComponents,
    init: CircuitRelayServerInit = {},
  ) {
    this.log = components.logger.forComponent('weft:circuit-relay:server')
    const config = resolveServerConfig(init)
    this.reservationTtl = config.reservationTtl
    this.maxCircuitsPerPeer = config.maxCircuitsPerPeer
    this.store = new ReservationStore(config)
    this.limits = { duration: config.durationLimit, data: config.dataLimit }
    this.enforceLimits = config.enforceLimits
    this.hopTimeout = config.hopTimeout
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: HOP_PROTOCOL,
      // the spec: no reservations or circuits over relayed connections
      options: {
        maxInboundStreams: config.maxInboundHopStreams,
        // a host that is relay and client dials circuits through other relays too
        maxOutboundStreams: 64,
        runOnLimitedConnection: false,
      },
      handler: (stream, connection) => {
        void this.onHop(stream, connection)
      },
      stoppedError: () => new RelayStoppedError('the relay server stopped'),
    })
    this.onPeerDisconnect = this.onPeerDisconnect.bind(this)
  }

  /** Reservations held now. */
  get reservationCount(): number {
    return this.store.reservationCount
  }

  /** Circuits open now. */
  get circuitCount(): number {
    return this.store.circuitCount
  }

  /** Whether `peer` holds a live reservation. */
  hasReservation(peer: PeerId): boolean {
    return this.store.has(peer.toString())
  }

  isStarted(): boolean {
    return this.handler.isStarted()
  }

  async start(): Promise<void> {
    if (this.handler.isStarted()) return
    await this.handler.start()
    this.components.events.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.sweepTimer = setInterval(() => this.store.sweep(), Math.min(this.reservationTtl, 5 * 60_000))
    this.sweepTimer.unref?.()
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
    this.components.events.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    for (const bridge of [...this.bridges]) bridge.reset(new RelayStoppedError('the relay server stopped'))
    this.bridges.clear()
    await this.handler.stop()
    this.store.clear()
  }

  private onPeerDisconnect(evt: CustomEvent<PeerId>): void {
    // a reservation lives only as long as the reserving peer stays connected
    if (this.store.remove(evt.detail.toString())) this.log('%p disconnected, reservation dropped', evt.detail)
  }

  private async onHop(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.handler.signal], this.hopTimeout)
    const reader = new StreamReader(stream)
    try {
      let request: HopMessage
      try {
        request = await readHop(reader, { signal })
      } catch (err) {
        if ((err as Error).name === 'InvalidMessageError') {
          await writeHop(
            stream,
            { type: HopMessage.Type.STATUS, status: Status.MALFORMED_MESSAGE },
            { signal },
          )
        }
        throw err
      }
      if (request.type === HopMessage.Type.RESERVE) {
        reader.release()
        await this.reserve(stream, connection, signal)
        await stream.close({ signal })
      } else if (request.type === HopMessage.Type.CONNECT) {
        const bridged = await this.connect(stream, connection, request, reader, signal)
        if (!bridged) await stream.close({ signal })
      } else {
        await writeHop(
          stream,
          { type: HopMessage.Type.STATUS, status: Status.UNEXPECTED_MESSAGE },
          { signal },
        )
        await stream.close({ signal })
      }
    } catch (err) {
      this.log('hop request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }

  private async reserve(stream: Stream, connection: Connection, signal: AbortSignal): Promise<void> {
    const peer = connection.remotePeer
    if (isCircuitAddress(connection.remoteAddr)) {
      await writeHop(stream, { type: HopMessage.Type.STATUS, status: Status.PERMISSION_DENIED }, { signal })
      return
    }
    const result = this.store.reserve(peer.toString(), reservationAddressKey(connection.remoteAddr))
    if (!result.ok) {
      this.log(
        'refused a reservation for %p from %a: %d reservations held',
        peer,
        connection.remoteAddr,
        this.store.reservationCount,
      )
      await writeHop(stream, { type: HopMessage.Type.STATUS, status: Status.RESERVATION_REFUSED }, { signal })
      return
    }
    const expire = BigInt(Math.floor(result.expires / 1000))
    const voucher = new ReservationVoucher({ relay: this.components.peerId, peer, expiration: expire })
    const envelope = await RecordEnvelope.seal(voucher, this.components.privateKey, { signal })
    const addrs = this.components.addressManager
      .getAddresses()
      .filter((address) => !isCircuitAddress(address))
      .slice(0, 64)
      .map((address) => address.bytes)
    await writeHop(
      stream,
      {
        type: HopMessage.Type.STATUS,
        status: Status.OK,
        reservation: { expire, addrs, voucher: envelope.marshal() as Uint8Array<ArrayBuffer> },
        limit: limitToWire(this.limits),
      },
      { signal },
    )
    this.log('reserved a slot for %p until %s', peer, new Date(result.expires).toISOString())
  }

  /** Returns true when the hop stream became a circuit (and must stay open). */
  private async connect(
    stream: Stream,
    connection: Connection,
    request: HopMessage,
    reader: StreamReader,
    signal: AbortSignal,
  ): Promise<boolean> {
    const answer = async (status: Status): Promise<false> => {
      await writeHop(stream, { type: HopMessage.Type.STATUS, status }, { signal })
      return false
    }
    if (isCircuitAddress(connection.remoteAddr)) return answer(Status.PERMISSION_DENIED)
    let target: PeerId
    try {
      if (request.peer?.id == null) throw new Error('no peer id')
      target = peerIdFromBytes(request.peer.id)
    } catch {
      return answer(Status.MALFORMED_MESSAGE)
    }
    const source = connection.remotePeer
    if (!this.store.has(target.toString())) return answer(Status.NO_RESERVATION)
    const targetConnection = this.components.connectionManager
      .getConnections(target)
      .find((candidate) => candidate.status === 'open' && !isCircuitAddress(candidate.remoteAddr))
    if (targetConnection == null) return answer(Status.NO_RESERVATION)
    if (!this.store.openCircuit(source.toString(), target.toString())) {
      return answer(Status.RESOURCE_LIMIT_EXCEEDED)
    }
    let counted = true
    const release = (): void => {
      if (!counted) return
      counted = false
      this.store.closeCircuit(source.toString(), target.toString())
    }
    let stop: Stream | undefined
    try {
      stop = await targetConnection.newStream(STOP_PROTOCOL, {
        signal,
        maxOutboundStreams: this.maxCircuitsPerPeer + 1,
      })
      const stopReader = new StreamReader(stop)
      const limit = limitToWire(this.limits)
      await writeStop(
        stop,
        { type: StopMessage.Type.CONNECT, peer: { id: source.toMultihash().bytes, addrs: [] }, limit },
        { signal },
      )
      const response = await readStop(stopReader, { signal })
      stopReader.release()
      if (response.type !== StopMessage.Type.STATUS || response.status !== Status.OK) {
        this.log('%p refused the circuit from %p: %s', target, source, response.status)
        stop.abort(new Error(`target answered ${response.status}`))
        release()
        return answer(Status.CONNECTION_FAILED)
      }
      await writeHop(stream, { type: HopMessage.Type.STATUS, status: Status.OK, limit }, { signal })
    } catch (err) {
      this.log('circuit %p -> %p failed: %s', source, target, (err as Error).message)
      stop?.abort(err as Error)
      release()
      return answer(Status.CONNECTION_FAILED)
    }
    reader.release()
    const bridge = new CircuitBridge(stream, stop, {
      limits: this.enforceLimits ? this.limits : {},
      log: this.log,
      onClose: () => {
        this.bridges.delete(bridge)
        release()
      },
    })
    this.bridges.add(bridge)
    this.log('circuit %p -> %p open', source, target)
    return true
  }
}
