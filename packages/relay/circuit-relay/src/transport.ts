/**
 * The `/p2p-circuit` transport: dials through a relay with a hop CONNECT,
 * accepts circuits from relays on the stop protocol, and hands the circuit
 * to the upgrader as a `MultiaddrConnection` whose `Connection` carries the
 * relay's `limits` (so only protocols with `runOnLimitedConnection` run on it).
 */
import {
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Libp2pEvents,
  type Listener,
  type Logger,
  type PeerId,
  type Startable,
  type Stream,
  type Transport,
  type TypedEventTarget,
  transportSymbol,
  type Upgrader,
} from '@libp2p/interface'
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { anySignal, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { isCircuitAddress, isDialableCircuit, isListenableCircuit, parseCircuitAddress } from './addresses.js'
import { HopMessage, Status, StopMessage } from './circuit.pb.js'
import { resolveTransportConfig } from './config.js'
import { HOP_PROTOCOL, STOP_PROTOCOL } from './constants.js'
import {
  InvalidRelayAddressError,
  RelayStatusError,
  RelayStoppedError,
  UnexpectedRelayMessageError,
} from './errors.js'
import { type AutoReserve, CircuitListener } from './listener.js'
import { limitFromWire, limitToConnectionLimits, readHop, readStop, writeHop, writeStop } from './messages.js'
import { RelayedConnection } from './relayed-connection.js'

export interface CircuitRelayTransportInit {
  /** ms a hop CONNECT, a stop exchange or a reservation may take (default 30 s) */
  timeout?: number
  /** relays a bare `/p2p-circuit` listen address reserves on (default 2) */
  maxReservations?: number
  /** inbound stop streams one connection may have open (default 32) */
  maxInboundStopStreams?: number
  /**
   * when a bare `/p2p-circuit` listener reserves: `'always'` (default), or
   * `'when-private'`: only once AutoNAT (@weft/autonat) reports the host
   * private, dropping the reservations when it reports public
   */
  autoReserve?: AutoReserve
}

export interface CircuitRelayTransportComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  upgrader: Upgrader
  connectionManager: {
    openConnection(target: Multiaddr | PeerId, options?: { signal?: AbortSignal }): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  peerStore?: { get(peerId: PeerId): Promise<{ protocols: string[] }> }
}

export class CircuitRelayTransport implements Transport, Startable {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = '@weft/circuit-relay-transport'
  private readonly handler: ProtocolHandler
  private readonly timeout: number
  private readonly maxReservations: number
  private readonly autoReserve: AutoReserve
  private readonly log: Logger

  constructor(
    private readonly components: CircuitRelayTransportComponents,
    init: CircuitRelayTransportInit = {},
  ) {
    this.log = components.logger.forComponent('weft:circuit-relay:transport')
    const config = resolveTransportConfig(init)
    this.timeout = config.timeout
    this.maxReservations = config.maxReservations
    this.autoReserve = config.autoReserve
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: STOP_PROTOCOL,
      // outbound stop streams are the relay's, one per circuit to the same target
      options: {
        maxInboundStreams: config.maxInboundStopStreams,
        maxOutboundStreams: 64,
        runOnLimitedConnection: false,
      },
      handler: (stream, connection) => {
        void this.onStop(stream, connection)
      },
      stoppedError: () => new RelayStoppedError('the circuit relay transport stopped'),
    })
  }

  isStarted(): boolean {
    return this.handler.isStarted()
  }

  async start(): Promise<void> {
    await this.handler.start()
  }

  async stop(): Promise<void> {
    await this.handler.stop()
  }

  dialFilter = (addresses: Multiaddr[]): Multiaddr[] => addresses.filter(isDialableCircuit)

  listenFilter = (addresses: Multiaddr[]): Multiaddr[] => addresses.filter(isListenableCircuit)

  createListener(_options: CreateListenerOptions): Listener {
    return new CircuitListener(this.components, {
      log: this.log,
      reserveTimeout: this.timeout,
      maxReservations: this.maxReservations,
      autoReserve: this.autoReserve,
    })
  }

  /**
   * Opens a relayed connection to the target of `address` through its relay.
   *
   * @throws RelayStatusError when the relay refuses (NO_RESERVATION, RESOURCE_LIMIT_EXCEEDED, …)
   */
  async dial(address: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const { relay, relayPeer, target } = parseCircuitAddress(address)
    if (relay == null || relayPeer == null || target == null) {
      throw new InvalidRelayAddressError(`${address.toString()} names no relay and target`)
    }
    if (target.equals(this.components.peerId)) {
      throw new InvalidRelayAddressError('cannot dial ourselves through a relay')
    }
    if (relayPeer.equals(this.components.peerId)) {
      throw new InvalidRelayAddressError('cannot relay through ourselves')
    }
    const signal = anySignal([options.signal], this.timeout)
    let stream: Stream | undefined
    try {
      const relayConnection = await this.components.connectionManager.openConnection(relay, { signal })
      if (isCircuitAddress(relayConnection.remoteAddr)) {
        throw new InvalidRelayAddressError('will not open a circuit over a relayed connection')
      }
      stream = await relayConnection.newStream(HOP_PROTOCOL, { signal })
      const reader = new StreamReader(stream)
      await writeHop(
        stream,
        { type: HopMessage.Type.CONNECT, peer: { id: target.toMultihash().bytes, addrs: [] } },
        { signal },
      )
      const response = await readHop(reader, { signal })
      reader.release()
      if (response.type !== HopMessage.Type.STATUS) {
        throw new UnexpectedRelayMessageError(`expected a STATUS message, got ${response.type}`)
      }
      if (response.status !== Status.OK) throw new RelayStatusError(response.status ?? Status.UNUSED)
      const maConn = new RelayedConnection({
        stream,
        remoteAddr: circuitAddress(relayConnection, target),
        direction: 'outbound',
        log: this.log.newScope('outbound'),
        limits: limitFromWire(response.limit),
      })
      const upgradeOptions = {
        signal: options.signal,
        limits: limitToConnectionLimits(response.limit),
        onProgress: options.onProgress,
        remotePeer: target,
      }
      return await options.upgrader.upgradeOutbound(maConn, upgradeOptions)
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
    }
  }

  /** A relay asks us to accept a circuit (relay/circuit-v2.md "Stop Protocol"). */
  private async onStop(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.handler.signal], this.timeout)
    const reader = new StreamReader(stream)
    try {
      const request = await readStop(reader, { signal })
      const answer = async (status: Status): Promise<void> => {
        await writeStop(stream, { type: StopMessage.Type.STATUS, status }, { signal })
        await stream.close({ signal })
      }
      if (request.type !== StopMessage.Type.CONNECT) return await answer(Status.UNEXPECTED_MESSAGE)
      // no circuit over a circuit (relay/circuit-v2.md): a relayed connection whose relay
      // announced no limit is not `limited`, so the registrar alone would let this through
      if (isCircuitAddress(connection.remoteAddr)) {
        this.log('refused a stop request over the relayed connection %s', connection.id)
        return await answer(Status.PERMISSION_DENIED)
      }
      let source: PeerId
      try {
        if (request.peer?.id == null) throw new Error('no peer id')
        source = peerIdFromBytes(request.peer.id)
      } catch {
        return await answer(Status.MALFORMED_MESSAGE)
      }
      await writeStop(stream, { type: StopMessage.Type.STATUS, status: Status.OK }, { signal })
      reader.release()
      const maConn = new RelayedConnection({
        stream,
        remoteAddr: circuitAddress(connection, source),
        direction: 'inbound',
        log: this.log.newScope('inbound'),
        limits: limitFromWire(request.limit),
      })
      const upgradeOptions = {
        signal: this.handler.signal,
        limits: limitToConnectionLimits(request.limit),
        remotePeer: source,
      }
      await this.components.upgrader.upgradeInbound(maConn, upgradeOptions)
    } catch (err) {
      this.log('stop request from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      reader.release()
      signal.clear()
    }
  }
}

/** `<relay address>/p2p/<relay>/p2p-circuit/p2p/<peer>` for a circuit over `relayConnection`. */
function circuitAddress(relayConnection: Connection, peer: PeerId): Multiaddr {
  const components = relayConnection.remoteAddr.getComponents()
  const base = components.at(-1)?.code === CODE_P2P ? components.slice(0, -1) : components
  return multiaddr(base).encapsulate(
    `/p2p/${relayConnection.remotePeer.toString()}/p2p-circuit/p2p/${peer.toString()}`,
  )
}
