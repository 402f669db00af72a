/**
 * A yamux session over any `MessageStream` (weft's or js-libp2p's), using
 * only its public interface: `'message'` events in, `send()`/`'drain'` out,
 * `'close'`/`'remoteCloseWrite'` for the end of the connection.
 *
 * Session rules (hashicorp/yamux spec.md, libp2p/specs yamux/README.md):
 * - the client (the side that dialed, unless `initiator` says otherwise) opens
 *   odd stream ids, the server even ones; id 0 is the session;
 * - at most 256 streams we opened may wait for the remote's ACK ("ACK
 *   backlog"); `createStream` waits beyond that;
 * - a stream the remote opens beyond `maxInboundStreams` is reset; a remote
 *   that keeps doing so is disconnected;
 * - any protocol violation (bad frame, window overrun, duplicate stream) sends
 *   GoAway(protocol error), fails every stream and closes the connection;
 * - `close()` half-closes every stream after its queued data, then sends
 *   GoAway(normal); `abort()` sends GoAway(internal error) and resets all.
 *
 * When the session ends the muxer dispatches `'close'` (a `StreamCloseEvent`,
 * weft's addition to `StreamMuxerEvents`) carrying the error that ended it, if
 * any: after a protocol violation or the remote's GoAway(error) the
 * connection below is closed gracefully (so our GoAway reaches the remote),
 * and this event is how the host's Connection learns the reason.
 *
 * Parts: inbound frames are decoded and routed by `FrameReader`
 * (frame-reader.ts), outbound ones queued by `FrameWriter`, the streams and
 * their limits kept in `StreamTable`, pings and keep-alive in ping.ts, the
 * bounded close of the connection after a fatal error in connection-close.ts.
 */

import type {
  AbortOptions,
  CreateStreamOptions,
  EventHandler,
  Logger,
  MessageStream,
  StreamCloseEvent as StreamCloseEventType,
  StreamMessageEvent,
  StreamMuxer,
  StreamMuxerStatus,
} from '@libp2p/interface'
import { StreamCloseEvent } from '@libp2p/interface'
import {
  endOnListenerError,
  LightEventTarget,
  MemoryReservation,
  type MemoryScope,
  type MuxerEvents,
  raceSignal,
  throwIfAborted,
} from '@weft/utils'
import { streamBufferOptions, type YamuxConfig } from './config.js'
import { closeConnectionAfterError } from './connection-close.js'
import {
  GoAwayError,
  InvalidFrameError,
  MuxerClosedError,
  ProtocolError,
  SendQueueFullError,
  StreamIdsExhaustedError,
  TooManyOutboundProtocolStreamsError,
} from './errors.js'
import { Flag, FrameType, GoAwayCode, MAX_UINT32 } from './frame.js'
import { FrameReader } from './frame-reader.js'
import { FrameWriter } from './frame-writer.js'
import { KeepAlive, PingTracker } from './ping.js'
import { WINDOW_MEMORY_PRIORITY, YamuxStream } from './stream.js'
import { StreamTable } from './stream-table.js'

export const YAMUX_PROTOCOL = '/yamux/1.0.0'

/** `StreamMuxerEvents` plus `'close'` (@weft/utils `MuxerEvents`): the session ended, with the error that ended it if any. */
export type YamuxMuxerEvents = MuxerEvents<YamuxStream>

export class YamuxMuxer extends LightEventTarget<YamuxMuxerEvents> implements StreamMuxer<YamuxStream> {
  readonly protocol = YAMUX_PROTOCOL
  status: StreamMuxerStatus = 'open'
  readonly log: Logger
  /** true when we are the yamux client (odd stream ids) */
  readonly client: boolean

  private readonly conn: MessageStream
  private readonly config: YamuxConfig
  private readonly writer: FrameWriter
  private readonly reader: FrameReader
  private readonly pings: PingTracker
  private readonly table = new StreamTable()
  private nextStreamId: number
  private localGoAway?: number
  private remoteGoAway?: number
  /** the session is over: no frame is read or written any more */
  private ended = false
  private readonly keepAlive?: KeepAlive
  private closing?: Promise<void>
  private readonly memory?: MemoryScope

  /** @param memory - the connection's resource scope, where each stream reserves its window beyond 256 KiB */
  constructor(conn: MessageStream, config: YamuxConfig, log: Logger, memory?: MemoryScope) {
    super()
    this.memory = memory
    this.conn = conn
    this.config = config
    this.log = log
    this.client = config.initiator ?? conn.direction === 'outbound'
    this.nextStreamId = this.client ? 1 : 2
    this.writer = new FrameWriter(conn, (err) => this.fail(err))
    this.pings = new PingTracker((id) => this.writer.control(FrameType.Ping, Flag.SYN, 0, id))
    if (config.enableKeepAlive) {
      this.keepAlive = new KeepAlive(this.pings, config.keepAliveInterval, (err) => this.fail(err))
    }
    this.reader = new FrameReader({
      table: this.table,
      pings: this.pings,
      writer: this.writer,
      log,
      hooks: {
        acceptStream: (id) => this.acceptStream(id),
        onGoAway: (code) => this.handleGoAway(code),
        isEnded: () => this.ended,
      },
    })
    conn.addEventListener('message', this.onConnectionMessage)
    conn.addEventListener('drain', this.onConnectionDrain)
    conn.addEventListener('remoteCloseWrite', this.onConnectionEnd)
    conn.addEventListener('close', this.onConnectionClose)
    if (conn.status !== 'open') {
      this.endSession(new MuxerClosedError(`the connection is ${conn.status}`))
      return
    }
    // the first ping measures the round-trip time that drives window auto-tuning
    this.pings.ping().catch(() => {})
    this.keepAlive?.start()
  }

  get streams(): YamuxStream[] {
    return this.table.list()
  }

  /** The last measured round-trip time in ms, -1 while unknown. */
  get rtt(): number {
    return this.pings.rtt
  }

  /** Measures the round-trip time with a Ping frame (ms). */
  async ping(options?: AbortOptions): Promise<number> {
    if (this.ended || this.status !== 'open') throw new MuxerClosedError(`the muxer is ${this.status}`)
    return this.pings.ping(options)
  }

  async createStream(options: CreateStreamOptions = {}): Promise<YamuxStream> {
    throwIfAborted(options.signal)
    this.checkCanOpen()
    if (this.table.outbound >= this.config.maxOutboundStreams) {
      throw new TooManyOutboundProtocolStreamsError(
        `${this.table.outbound} outbound streams are open, the limit is ${this.config.maxOutboundStreams}`,
      )
    }
    // reserve the slot while waiting, so waiters are bounded by maxOutboundStreams
    this.table.outbound++
    let acquired = false
    try {
      if (this.nextStreamId > MAX_UINT32) {
        throw new StreamIdsExhaustedError('no stream ids are left on this session')
      }
      await this.table.backlog.acquire(options)
      acquired = true
      // the session may have ended while we waited
      this.checkCanOpen()
    } catch (err) {
      if (acquired) this.table.backlog.release()
      this.table.outbound--
      throw err
    }
    const id = this.nextStreamId
    this.nextStreamId += 2
    const stream = this.addStream(id, 'outbound', options)
    stream.open()
    return stream
  }

  async close(options?: AbortOptions): Promise<void> {
    if (this.closing != null) return raceSignal(this.closing, options?.signal)
    if (this.status !== 'open') return
    this.closing = this.closeGracefully(options)
    return this.closing
  }

  /** A listener threw: it ends this object (or the new stream it was handed), never the process. */
  protected override onListenerError(err: unknown, event: Event): void {
    endOnListenerError(this, err, event)
  }

  abort(err: Error): void {
    if (this.ended) return
    this.log('abort: %s', err.message)
    this.sendGoAway(err instanceof ProtocolError ? GoAwayCode.ProtocolError : GoAwayCode.InternalError)
    this.endSession(err, true)
  }

  private async closeGracefully(options?: AbortOptions): Promise<void> {
    this.status = 'closing'
    this.keepAlive?.stop()
    this.table.backlog.close(new MuxerClosedError('the muxer is closing'))
    try {
      await raceSignal(
        Promise.all(
          this.streams.map(async (stream) => {
            try {
              await stream.close(options)
            } catch (err) {
              // a stream reset meanwhile is closed as well as it gets
              if (options?.signal?.aborted === true) throw err
              this.log('stream %d did not close cleanly: %s', stream.streamId, (err as Error).message)
            }
          }),
        ),
        options?.signal,
      )
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
    if (this.ended) return
    this.sendGoAway(GoAwayCode.Normal)
    this.writer.flushNow()
    this.status = 'closed'
  }

  override addEventListener<K extends keyof YamuxMuxerEvents>(
    type: K,
    listener: EventHandler<YamuxMuxerEvents[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    if (type === 'stream' && this.table.earlyCount > 0) {
      // the listener may belong to an object still being constructed
      queueMicrotask(() => this.announceEarlyStreams())
    }
  }

  // ---- connection events --------------------------------------------------------

  private readonly onConnectionMessage = (evt: StreamMessageEvent): void => {
    if (this.ended) return
    try {
      this.reader.read(evt.data)
    } catch (err) {
      this.fail(err as Error)
    }
  }

  private readonly onConnectionDrain = (): void => {
    this.writer.onConnectionDrain()
  }

  private readonly onConnectionEnd = (): void => {
    if (this.ended) return
    // the remote sends no more frames: the session is over
    const err = this.reader.insideFrame
      ? new InvalidFrameError('the connection ended inside a frame')
      : undefined
    this.log('the connection ended')
    this.endSession(err)
    closeConnectionAfterError(this.conn, err)
  }

  private readonly onConnectionClose = (evt: StreamCloseEventType): void => {
    if (this.ended) return
    this.log('the connection closed%s', evt.error != null ? `: ${evt.error.message}` : '')
    this.endSession(evt.error)
  }

  // ---- streams the remote opens -----------------------------------------------

  /** The remote opened stream `id` (a SYN): accept it, or reset it when there is no room. */
  private acceptStream(id: number): YamuxStream | undefined {
    if (id % 2 === (this.client ? 1 : 0)) {
      throw new InvalidFrameError(
        `the remote opened stream ${id}, but ${this.client ? 'odd' : 'even'} ids are ours`,
      )
    }
    if (this.table.has(id))
      throw new InvalidFrameError(`the remote opened stream ${id}, which is already open`)
    if (this.status !== 'open' || this.localGoAway != null) {
      this.rejectStream(id, 'the muxer is closing')
      return undefined
    }
    const early = this.listenerCount('stream') === 0
    const refusal = this.table.refusal(
      this.config.maxInboundStreams,
      early ? this.config.maxEarlyStreams : undefined,
    )
    if (refusal != null) {
      this.rejectStream(id, refusal)
      return undefined
    }
    const stream = this.addStream(id, 'inbound', {}, early)
    if (!early) this.safeDispatchEvent('stream', { detail: stream })
    return stream
  }

  private rejectStream(id: number, reason: string): void {
    this.log('resetting stream %d opened by the remote: %s', id, reason)
    this.writer.control(FrameType.WindowUpdate, Flag.RST, id, 0)
  }

  private handleGoAway(code: number): void {
    this.log('the remote sent GoAway %d', code)
    this.remoteGoAway = code
    this.table.backlog.close(new MuxerClosedError('the remote sent GoAway'))
    // normal: the remote opens and accepts no new streams, open ones finish
    if (code === GoAwayCode.Normal) return
    const err = new GoAwayError(code)
    this.endSession(err)
    closeConnectionAfterError(this.conn, err)
  }

  // ---- streams ------------------------------------------------------------------

  private addStream(
    id: number,
    direction: 'inbound' | 'outbound',
    options: CreateStreamOptions,
    early = false,
  ): YamuxStream {
    const config = this.config
    const stream = new YamuxStream({
      ...streamBufferOptions(config, options),
      id: String(id),
      streamId: id,
      direction,
      log: this.log.newScope(`${direction}:${id}`),
      maxMessageSize: config.maxMessageSize,
      writer: this.writer,
      initialWindowSize: config.initialStreamWindowSize,
      maxWindowSize: config.maxStreamWindowSize,
      firstFlags: direction === 'outbound' ? Flag.SYN : Flag.ACK,
      getRtt: () => this.pings.rtt,
      memory: new MemoryReservation(this.memory, WINDOW_MEMORY_PRIORITY),
    })
    this.table.add(stream, early)
    stream.addEventListener(
      'close',
      () => {
        this.table.remove(stream)
        this.writer.forget(stream)
      },
      { once: true },
    )
    return stream
  }

  private announceEarlyStreams(): void {
    for (const stream of this.table.takeEarly()) this.safeDispatchEvent('stream', { detail: stream })
  }

  private checkCanOpen(): void {
    if (this.ended || this.status !== 'open') throw new MuxerClosedError(`the muxer is ${this.status}`)
    if (this.remoteGoAway != null) throw new MuxerClosedError('the remote sent GoAway')
  }

  // ---- session end --------------------------------------------------------------

  private sendGoAway(code: number): void {
    if (this.localGoAway != null) return
    this.localGoAway = code
    this.writer.control(FrameType.GoAway, 0, 0, code)
  }

  /** A fatal error of our own making or the remote's: tell the remote, fail all, drop the connection. */
  private fail(err: Error): void {
    if (this.ended) return
    this.log.error('session failed: %s', err.message)
    this.abort(err)
    // a remote that stopped reading cannot receive a graceful close either
    if (err instanceof SendQueueFullError) this.conn.abort(err)
    else closeConnectionAfterError(this.conn, err)
  }

  /** Stops the session: flushes what is queued, fails or closes every stream, releases timers and listeners. */
  private endSession(err?: Error, local = false): void {
    if (this.ended) return
    this.ended = true
    this.status = 'closed'
    this.reader.stop()
    this.keepAlive?.stop()
    this.writer.flushNow()
    this.writer.close()
    const reason = err ?? new MuxerClosedError('the connection closed')
    this.pings.close(reason)
    this.table.backlog.close(reason)
    this.table.takeEarly()
    this.conn.removeEventListener('message', this.onConnectionMessage)
    this.conn.removeEventListener('drain', this.onConnectionDrain)
    this.conn.removeEventListener('remoteCloseWrite', this.onConnectionEnd)
    this.conn.removeEventListener('close', this.onConnectionClose)
    for (const stream of this.streams) stream.transportClosed(err)
    this.dispatchEvent(new StreamCloseEvent(local, err))
  }
}
