/**
 * An upgraded connection (@libp2p/interface `Connection`): a secured,
 * multiplexed channel to one peer.
 *
 * Outbound streams: muxer stream → multistream-select → per-protocol
 * `maxOutboundStreams` check. Inbound streams: multistream-select listener
 * against the registrar's protocols (bounded by a negotiation timeout) →
 * per-protocol `maxInboundStreams` check → middleware → handler. A stream that
 * fails any step, or whose handler throws, is aborted; the connection and its
 * other streams carry on.
 *
 * The connection ends when the transport below closes, when `close()` or
 * `abort()` is called, or when the muxer ends with an error: weft's muxers
 * dispatch `'close'` with the error (a protocol violation, the remote's
 * GoAway(error)) while they close the transport gracefully, and the
 * connection is then aborted with that error (`status` 'aborted', the error on
 * its `'close'` event and so on `connection:close`).
 */

import {
  type AbortOptions,
  type ComponentLogger,
  ConnectionClosedError,
  ConnectionClosingError,
  type Connection as ConnectionInterface,
  type ConnectionLimits,
  type ConnectionStatus,
  connectionSymbol,
  LimitedConnectionError,
  type Logger,
  type MessageStream,
  type MessageStreamDirection,
  type MessageStreamEvents,
  type MultiaddrConnection,
  type MultiaddrConnectionTimeline,
  type NewStreamOptions,
  type PeerId,
  type Stream,
  StreamCloseEvent,
  type StreamMuxer,
  TooManyInboundProtocolStreamsError,
  TooManyOutboundProtocolStreamsError,
} from '@libp2p/interface'
import { CODE_P2P_CIRCUIT, type Multiaddr } from '@multiformats/multiaddr'
import { handle, select } from '@weft/multistream'
import {
  anySignal,
  type ClosingMuxer,
  endOnListenerError,
  LightEventTarget,
  raceSignal,
  reportProgress,
} from '@weft/utils'
import type { Registrar } from './components.js'
import type { ConnectionConfig } from './config.js'
import type { LadderRecord } from './connection-ladder.js'
import { DEFAULT_MAX_OUTBOUND_STREAMS } from './registrar.js'
import { StreamReservations } from './resource-manager/attach.js'
import type { ConnectionScope, ResourceManager, StreamScope } from './resource-manager/resource-manager.js'
import { runWithMiddleware } from './stream-middleware.js'

export interface ConnectionComponents {
  logger: ComponentLogger
  registrar: Pick<Registrar, 'getProtocols' | 'getHandler' | 'getMiddleware'>
  /** when given, each stream reserves its place before it is negotiated (refused: reset or rejected) */
  resourceManager?: Pick<ResourceManager, 'openStream' | 'bind'>
}

export interface ConnectionInit {
  /** the raw transport connection */
  maConn: MultiaddrConnection
  /** the secured channel the muxer runs on (the maConn itself when the transport secures) */
  secured: MessageStream
  muxer: StreamMuxer
  remotePeer: PeerId
  direction: MessageStreamDirection
  encryption?: string
  multiplexer?: string
  limits?: ConnectionLimits
  /** the timeouts every connection of the host shares (`resolveConnectionConfig`) */
  config: ConnectionConfig
  /** what the connection holds in the resource manager, given back when it ends */
  resourceScope?: ConnectionScope
}

/** The options every connection of a host shares. */
export interface ConnectionTimeoutsInit {
  /** ms an inbound stream may take to agree a protocol (default 10 000) */
  inboundStreamProtocolNegotiationTimeout?: number
  /** ms an outbound stream may take to agree a protocol when no signal is given (default 10 000) */
  outboundStreamProtocolNegotiationTimeout?: number
  /** ms a graceful close may take before the connection is aborted (default 2 000) */
  closeTimeout?: number
}

type ConnectionEvents = Omit<MessageStreamEvents, 'drain' | 'message' | 'end'>

let nextConnectionId = 0

export class Connection extends LightEventTarget<ConnectionEvents> implements ConnectionInterface {
  readonly [connectionSymbol] = true
  readonly [Symbol.toStringTag] = 'Connection'
  readonly id: string
  readonly remoteAddr: Multiaddr
  /**
   * Our end of the transport connection when the transport tells it (weft's
   * TCP does): DCUtR dials from this port to reuse its NAT mapping.
   */
  readonly localAddr?: Multiaddr
  readonly remotePeer: PeerId
  readonly direction: MessageStreamDirection
  readonly timeline: MultiaddrConnectionTimeline
  readonly multiplexer?: string
  readonly encryption?: string
  readonly direct: boolean
  readonly limits?: ConnectionLimits
  readonly log: Logger
  status: ConnectionStatus = 'open'
  rtt?: number
  /** how the dial that made it climbed the connection ladder (dials by peer id we made) */
  ladder?: LadderRecord

  private readonly maConn: MultiaddrConnection
  private readonly secured: MessageStream
  private readonly muxer: StreamMuxer
  private readonly config: ConnectionConfig
  private readonly resourceScope?: ConnectionScope
  /** the streams' places in the resource manager, given back with the connection at the latest */
  private readonly reservations: StreamReservations
  private finished = false

  constructor(
    private readonly components: ConnectionComponents,
    init: ConnectionInit,
  ) {
    super()
    this.id = `${(nextConnectionId++).toString(36)}${Math.random().toString(36).slice(2, 6)}`
    this.maConn = init.maConn
    this.secured = init.secured
    this.muxer = init.muxer
    this.remoteAddr = init.maConn.remoteAddr
    this.localAddr = (init.maConn as { localAddr?: Multiaddr }).localAddr
    this.remotePeer = init.remotePeer
    this.direction = init.direction
    this.timeline = init.maConn.timeline
    this.timeline.upgraded ??= Date.now()
    this.multiplexer = init.multiplexer
    this.encryption = init.encryption
    this.limits = init.limits
    this.direct = !this.remoteAddr.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
    this.log = components.logger.forComponent(`weft:connection:${this.direction}:${this.id}`)
    this.config = init.config
    this.resourceScope = init.resourceScope
    this.reservations = new StreamReservations(components.resourceManager, this.remotePeer)

    this.onIncomingStream = this.onIncomingStream.bind(this)
    this.onTransportClose = this.onTransportClose.bind(this)
    this.onTransportEnd = this.onTransportEnd.bind(this)
    this.onMuxerClose = this.onMuxerClose.bind(this)
    this.muxer.addEventListener('stream', this.onIncomingStream)
    // weft's MuxerEvents: a muxer from another stack that never dispatches 'close' changes nothing
    ;(this.muxer as ClosingMuxer).addEventListener('close', this.onMuxerClose)
    this.maConn.addEventListener('close', this.onTransportClose)
    this.maConn.addEventListener('remoteCloseWrite', this.onTransportEnd)
    if (this.secured !== (this.maConn as MessageStream)) {
      this.secured.addEventListener('close', this.onTransportClose)
      this.secured.addEventListener('remoteCloseWrite', this.onTransportEnd)
    }
    if (this.maConn.status !== 'open' && this.maConn.status !== 'closing') {
      queueMicrotask(() => this.onTransportClose(new StreamCloseEvent(false)))
    }
  }

  get streams(): Stream[] {
    return this.muxer.streams
  }

  async newStream(protocols: string | string[], options: NewStreamOptions = {}): Promise<Stream> {
    if (this.status === 'closing') throw new ConnectionClosingError(`connection ${this.id} is closing`)
    if (this.status !== 'open') throw new ConnectionClosedError(`connection ${this.id} is ${this.status}`)
    const list = Array.isArray(protocols) ? protocols : [protocols]
    if (list.length === 0) throw new RangeError('newStream needs at least one protocol')
    if (this.limits != null && options.runOnLimitedConnection !== true) {
      throw new LimitedConnectionError(
        `connection ${this.id} has limits; pass runOnLimitedConnection to use it`,
      )
    }
    reportProgress(options, 'connection:open-stream', { connection: this, protocols: list })
    // a full stream scope rejects here with ResourceLimitError, before the muxer opens anything
    const scope = this.reservations.reserve('outbound')
    const signal = anySignal(
      [options.signal],
      options.signal == null ? this.config.outboundNegotiationTimeout : undefined,
    )
    try {
      const stream = await raceSignal(this.muxer.createStream({ signal }), signal)
      try {
        const protocol = await select(stream, list, {
          signal,
          negotiateFully: options.negotiateFully ?? true,
          log: stream.log,
        })
        stream.protocol = protocol
        scope?.setProtocol(protocol)
        const limit = this.outboundLimit(protocol, options)
        const open = this.countStreams(protocol, 'outbound')
        if (open > limit) {
          throw new TooManyOutboundProtocolStreamsError(
            `${open} outbound ${protocol} streams on connection ${this.id}, over the limit of ${limit}`,
          )
        }
        reportProgress(options, 'connection:opened-stream', { connection: this, stream })
        this.reservations.track(scope, stream)
        return stream
      } catch (err) {
        stream.abort(err as Error)
        throw err
      }
    } catch (err) {
      scope?.done()
      throw err
    } finally {
      signal.clear()
    }
  }

  async close(options: AbortOptions = {}): Promise<void> {
    if (this.status !== 'open') return
    this.status = 'closing'
    this.log('closing')
    const signal = anySignal([options.signal], this.config.closeTimeout)
    try {
      await this.muxer.close({ signal })
      if (this.secured !== (this.maConn as MessageStream)) await this.secured.close({ signal })
      await this.maConn.close({ signal })
    } catch (err) {
      this.log('graceful close failed, aborting: %s', (err as Error).message)
      this.abort(err as Error)
      return
    } finally {
      signal.clear()
    }
    this.finish(true)
  }

  /** A listener threw: it ends this object (or the new stream it was handed), never the process. */
  protected override onListenerError(err: unknown, event: Event): void {
    endOnListenerError(this, err, event)
  }

  abort(err: Error): void {
    if (this.finished) return
    this.log('aborting: %s', err.message)
    this.status = 'aborted'
    // detach first so the transport's own close event does not report again
    this.finish(true, err)
    this.muxer.abort(err)
    this.secured.abort(err)
    this.maConn.abort(err)
  }

  /** The remote ended the transport connection: nothing more can arrive, so close our side too. */
  private onTransportEnd(): void {
    if (this.status !== 'open') return
    this.log('the remote ended the connection')
    this.close().catch(() => {})
  }

  private onTransportClose(evt: StreamCloseEvent): void {
    // during our own close() the transport closing is expected; close() finishes
    if (this.finished || this.status === 'closing') return
    const err = evt.error
    // the socket is gone: streams on it cannot finish
    this.muxer.abort(err ?? new ConnectionClosedError('the transport connection closed'))
    if (err != null) this.status = 'aborted'
    this.finish(false, err)
  }

  /** The muxer ended the session with an error: the connection ends with it. */
  private onMuxerClose(evt: StreamCloseEvent): void {
    const err = evt.error
    // a clean end is followed by the transport closing, which reports it
    if (err == null || this.finished || this.status === 'closing') return
    this.log('the muxer failed: %s', err.message)
    this.status = 'aborted'
    this.finish(evt.local ?? false, err)
    // the muxer closes the channel it runs on gracefully (its GoAway must go
    // out first); close what lies below too, and abort it if that stalls
    const signal = anySignal([], this.config.closeTimeout)
    const secured = this.secured !== (this.maConn as MessageStream) ? this.secured : undefined
    void (async () => {
      try {
        await secured?.close({ signal })
        await this.maConn.close({ signal })
      } catch (closeErr) {
        this.log('closing the transport after the muxer failed: %s', (closeErr as Error).message)
        secured?.abort(err)
        this.maConn.abort(err)
      } finally {
        signal.clear()
      }
    })()
  }

  private finish(local: boolean, err?: Error): void {
    if (this.finished) return
    this.finished = true
    if (this.status !== 'aborted') this.status = 'closed'
    this.timeline.close ??= Date.now()
    this.reservations.endAll()
    this.resourceScope?.done()
    this.muxer.removeEventListener('stream', this.onIncomingStream)
    ;(this.muxer as ClosingMuxer).removeEventListener('close', this.onMuxerClose)
    this.maConn.removeEventListener('close', this.onTransportClose)
    this.maConn.removeEventListener('remoteCloseWrite', this.onTransportEnd)
    this.secured.removeEventListener('close', this.onTransportClose)
    this.secured.removeEventListener('remoteCloseWrite', this.onTransportEnd)
    this.dispatchEvent(new StreamCloseEvent(local, err))
  }

  private onIncomingStream(evt: CustomEvent<Stream>): void {
    void this.handleIncomingStream(evt.detail)
  }

  private async handleIncomingStream(stream: Stream): Promise<void> {
    const { registrar } = this.components
    let scope: StreamScope | undefined
    try {
      scope = this.reservations.reserve('inbound')
    } catch (err) {
      // a full scope: reset the stream before reading a byte of it
      this.log('refusing an inbound stream: %s', (err as Error).message)
      stream.abort(err as Error)
      return
    }
    this.reservations.track(scope, stream)
    const signal = anySignal([], this.config.inboundNegotiationTimeout)
    let protocol: string
    try {
      protocol = await handle(stream, registrar.getProtocols(), { signal, log: stream.log })
    } catch (err) {
      stream.log('protocol negotiation failed: %s', (err as Error).message)
      stream.abort(err as Error)
      scope?.done()
      return
    } finally {
      signal.clear()
    }
    try {
      stream.protocol = protocol
      scope?.setProtocol(protocol)
      const { handler, options } = registrar.getHandler(protocol)
      if (this.limits != null && options.runOnLimitedConnection !== true) {
        throw new LimitedConnectionError(`${protocol} does not run on limited connections`)
      }
      const limit = options.maxInboundStreams ?? Number.POSITIVE_INFINITY
      const open = this.countStreams(protocol, 'inbound')
      if (open > limit) {
        throw new TooManyInboundProtocolStreamsError(
          `${open} inbound ${protocol} streams on connection ${this.id}, over the limit of ${limit}`,
        )
      }
      await runWithMiddleware(registrar.getMiddleware(protocol), stream, this, handler)
    } catch (err) {
      this.log('inbound %s stream failed: %s', protocol, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  private outboundLimit(protocol: string, options: NewStreamOptions): number {
    try {
      return (
        this.components.registrar.getHandler(protocol).options.maxOutboundStreams ??
        DEFAULT_MAX_OUTBOUND_STREAMS
      )
    } catch {
      return options.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS
    }
  }

  private countStreams(protocol: string, direction: MessageStreamDirection): number {
    let count = 0
    for (const stream of this.muxer.streams) {
      if (stream.protocol === protocol && stream.direction === direction) count++
    }
    return count
  }
}
