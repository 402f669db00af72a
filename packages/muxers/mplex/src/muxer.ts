/**
 * The mplex muxer over one connection (any `MessageStream`, weft's or
 * js-libp2p's): decodes incoming frames into streams, sends the streams'
 * frames through a coalescing `FrameWriter`, and enforces the limits that
 * stand in for the flow control mplex lacks.
 */
import {
  type AbortOptions,
  type CreateStreamOptions,
  type Logger,
  type MessageStream,
  MuxerClosedError,
  StreamCloseEvent,
  type StreamMessageEvent,
  type StreamMuxer,
  type StreamMuxerStatus,
  type StreamOptions,
  TooManyOutboundProtocolStreamsError,
} from '@libp2p/interface'
import {
  endOnListenerError,
  LightEventTarget,
  MemoryReservation,
  type MemoryScope,
  type MuxerEvents,
  raceSignal,
  throwIfAborted,
} from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import type { MplexConfig } from './config.js'
import { FrameDecoder } from './decoder.js'
import { InvalidFrameError, TooManyStreamResetsError } from './errors.js'
import { MAX_STREAM_ID, MessageType } from './frame.js'
import { FrameWriter } from './frame-writer.js'
import { ResetBudget } from './reset-budget.js'
import { type FrameSink, MplexStream } from './stream.js'
import { UnreadBytes } from './unread-bytes.js'

export const PROTOCOL = '/mplex/6.7.0'

/** Options of one muxer, as `resolveConfig` returns them. */
export type MuxerLimits = MplexConfig

const encoder = new TextEncoder()

export class MplexMuxer
  extends LightEventTarget<MuxerEvents<MplexStream>>
  implements StreamMuxer<MplexStream>
{
  readonly protocol = PROTOCOL
  status: StreamMuxerStatus = 'open'
  readonly log: Logger

  /** streams we opened, by the id we allocated */
  private readonly initiated = new Map<number, MplexStream>()
  /** streams the remote opened, by the id it allocated */
  private readonly received = new Map<number, MplexStream>()
  /** inbound streams waiting for a 'stream' listener */
  private earlyStreams: MplexStream[] = []
  private readonly unread: UnreadBytes<MplexStream>
  /** consecutive data frames for one stream, delivered as one chunk (one 'message' event) */
  private deliveryStream?: MplexStream
  private deliveryBytes?: Uint8ArrayList
  private nextStreamId = 0
  private readonly decoder: FrameDecoder
  private readonly writer: FrameWriter
  private readonly resets: ResetBudget
  private readonly sink: FrameSink
  /** no more frames will arrive (the connection closed or its remote side ended) */
  private ended = false
  /** no more frames can be sent (aborted, or the connection closed) */
  private writerClosed = false
  private failed = false
  private closeStarted = false

  constructor(
    private readonly connection: MessageStream,
    private readonly limits: MuxerLimits,
    log: Logger,
    /** the connection's resource scope: each stream reserves its read buffer here */
    private readonly memory?: MemoryScope,
  ) {
    super()
    this.log = log
    this.decoder = new FrameDecoder(limits.maxMessageSize)
    this.writer = new FrameWriter(connection, (err) => this.fail(err))
    this.resets = new ResetBudget(limits.maxStreamResets, limits.streamResetWindow)
    this.unread = new UnreadBytes(limits.maxConnectionBufferSize)
    this.sink = {
      writeFrame: (id, type, body) => {
        if (this.writerClosed) throw new MuxerClosedError('the muxer can no longer send')
        return this.writer.write(id, type, body)
      },
      writeReset: (stream) => this.writeReset(stream),
    }
    this.onFrame = this.onFrame.bind(this)
    this.shouldStopDecoding = this.shouldStopDecoding.bind(this)
    this.onMessage = this.onMessage.bind(this)
    this.onDrain = this.onDrain.bind(this)
    this.onConnectionClose = this.onConnectionClose.bind(this)
    this.onRemoteCloseWrite = this.onRemoteCloseWrite.bind(this)
    connection.addEventListener('message', this.onMessage)
    connection.addEventListener('drain', this.onDrain)
    connection.addEventListener('close', this.onConnectionClose)
    connection.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    if (connection.status !== 'open') {
      this.log('connection is already %s', connection.status)
      this.status = 'closed'
      this.writerClosed = true
    }
  }

  get streams(): MplexStream[] {
    return [...this.initiated.values(), ...this.received.values()]
  }

  async createStream(options?: CreateStreamOptions): Promise<MplexStream> {
    throwIfAborted(options?.signal)
    if (this.status !== 'open' || this.ended) {
      throw new MuxerClosedError(`cannot open a stream: the muxer is ${this.ended ? 'ended' : this.status}`)
    }
    if (this.initiated.size >= this.limits.maxOutboundStreams) {
      throw new TooManyOutboundProtocolStreamsError(
        `cannot open more than ${this.limits.maxOutboundStreams} outbound streams on one connection`,
      )
    }
    if (this.nextStreamId > MAX_STREAM_ID) throw new MuxerClosedError('stream ids are exhausted')
    const id = this.nextStreamId++
    const stream = this.newStream(id, true, options)
    // the stream name is free-form (spec: "Opening a new stream"); like js-libp2p we send the id
    this.writer.write(id, MessageType.NewStream, encoder.encode(String(id)))
    this.log.trace('opened stream %s', stream.id)
    return stream
  }

  async close(options?: AbortOptions): Promise<void> {
    if (this.status === 'closed' || this.closeStarted) return
    this.closeStarted = true
    this.status = 'closing'
    this.rejectEarlyStreams()
    try {
      await raceSignal(
        Promise.all(
          this.streams.map((stream) =>
            stream.close(options).catch((err: Error) => stream.log('close failed: %s', err.message)),
          ),
        ),
        options?.signal,
      )
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
    this.writer.flush()
    this.status = 'closed'
  }

  /** A listener threw: it ends this object (or the new stream it was handed), never the process. */
  protected override onListenerError(err: unknown, event: Event): void {
    endOnListenerError(this, err, event)
  }

  abort(err: Error): void {
    if (this.status === 'closed' && this.writerClosed) return
    this.log('abort: %s', err.message)
    this.status = 'closed'
    this.earlyStreams = []
    for (const stream of this.streams) stream.abort(err)
    // the resets go out before the caller tears the connection down
    this.writer.flush()
    this.writer.close()
    this.writerClosed = true
  }

  override addEventListener<K extends keyof MuxerEvents<MplexStream>>(
    type: K,
    listener: ((evt: MuxerEvents<MplexStream>[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as never, options)
    if (type === 'stream' && this.earlyStreams.length > 0) {
      queueMicrotask(() => {
        const early = this.earlyStreams
        this.earlyStreams = []
        for (const stream of early) {
          if (stream.status === 'open') this.safeDispatchEvent('stream', { detail: stream })
        }
      })
    }
  }

  // ---- connection events -------------------------------------------------------

  private onMessage(evt: StreamMessageEvent): void {
    if (this.writerClosed && this.status === 'closed') return
    try {
      this.decoder.decode(evt.data, this.onFrame, this.shouldStopDecoding)
    } catch (err) {
      this.deliver()
      this.fail(err as Error)
      return
    }
    this.deliver()
  }

  private onDrain(): void {
    this.writer.blocked = false
    // every waiting stream gets to send (about) one chunk before the connection blocks again
    for (const stream of this.streams) stream.connectionDrained()
  }

  private onRemoteCloseWrite(): void {
    if (this.ended) return
    this.log('the remote ended the connection')
    this.ended = true
    if (this.status === 'open') this.status = 'closing'
    this.rejectEarlyStreams()
    for (const stream of this.streams) stream.connectionEnded()
    this.closeConnectionWhenIdle()
  }

  private onConnectionClose(evt: StreamCloseEvent): void {
    this.log('connection closed%s', evt.error != null ? ` with ${evt.error.name}` : '')
    this.ended = true
    this.status = 'closed'
    this.writer.close()
    this.writerClosed = true
    this.earlyStreams = []
    for (const stream of this.streams) stream.connectionClosed(evt.error)
    this.connection.removeEventListener('message', this.onMessage)
    this.connection.removeEventListener('drain', this.onDrain)
    this.connection.removeEventListener('close', this.onConnectionClose)
    this.connection.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    // the session is over, with the error that ended it (MuxerEvents)
    this.dispatchEvent(new StreamCloseEvent(evt.local, evt.error))
  }

  /** A protocol violation or a failed send: close this connection only. */
  private fail(err: Error): void {
    if (this.failed) return
    this.failed = true
    this.log.error('closing the connection: %s', err.message)
    this.abort(err)
    this.connection.abort(err)
  }

  // ---- incoming frames -------------------------------------------------------------

  private shouldStopDecoding(): boolean {
    return this.writerClosed
  }

  private onFrame(id: number, type: MessageType, body: Uint8Array | Uint8ArrayList): void {
    if (type === MessageType.MessageInitiator) {
      this.onStreamData(this.received.get(id), id, body)
      return
    }
    if (type === MessageType.MessageReceiver) {
      this.onStreamData(this.initiated.get(id), id, body)
      return
    }
    // data queued for delivery goes first: it came before this frame
    this.deliver()
    switch (type) {
      case MessageType.NewStream:
        this.onNewStream(id)
        return
      case MessageType.CloseInitiator:
        this.received.get(id)?.receiveClose()
        return
      case MessageType.CloseReceiver:
        this.initiated.get(id)?.receiveClose()
        return
      case MessageType.ResetInitiator: {
        const stream = this.received.get(id)
        if (stream == null) return
        stream.receiveReset()
        this.countReset()
        return
      }
      case MessageType.ResetReceiver:
        this.initiated.get(id)?.receiveReset()
        return
    }
  }

  private onNewStream(id: number): void {
    if (this.received.has(id)) {
      throw new InvalidFrameError(`expected a new stream id, received NewStream for open stream ${id}`)
    }
    if (this.status !== 'open' || this.ended) {
      this.refuse(id, `the muxer is ${this.status}`, false)
      return
    }
    if (this.received.size >= this.limits.maxInboundStreams) {
      this.refuse(id, `${this.limits.maxInboundStreams} inbound streams are open`, true)
      return
    }
    const early = this.listenerCount('stream') === 0
    if (early && this.earlyStreams.length >= this.limits.maxEarlyStreams) {
      this.refuse(id, `${this.limits.maxEarlyStreams} streams wait for a listener`, true)
      return
    }
    const stream = this.newStream(id, false)
    this.log.trace('remote opened stream %s', stream.id)
    // behind earlier streams still waiting to be handed to a new listener, if any
    if (early || this.earlyStreams.length > 0) this.earlyStreams.push(stream)
    else this.safeDispatchEvent('stream', { detail: stream })
  }

  private onStreamData(stream: MplexStream | undefined, id: number, body: Uint8Array | Uint8ArrayList): void {
    if (stream == null) {
      // normal right after a reset (frames were in flight); lenient otherwise
      this.log.trace('dropping %d bytes for unknown stream %d', body.byteLength, id)
      return
    }
    if (stream !== this.deliveryStream) {
      this.deliver()
      this.deliveryStream = stream
      this.deliveryBytes = new Uint8ArrayList()
    }
    this.deliveryBytes!.append(body)
  }

  /** Hands the data frames gathered for one stream to it, as one chunk. */
  private deliver(): void {
    const stream = this.deliveryStream
    const bytes = this.deliveryBytes
    if (stream == null || bytes == null) return
    this.deliveryStream = undefined
    this.deliveryBytes = undefined
    stream.receiveData(bytes)
    this.unread.received(stream, bytes.byteLength)
  }

  // ---- streams --------------------------------------------------------------------

  private newStream(id: number, initiator: boolean, options?: StreamOptions): MplexStream {
    const streamOptions = { ...this.limits.streamOptions, ...options }
    const stream = new MplexStream({
      streamId: id,
      initiator,
      sink: this.sink,
      log: this.log,
      maxReadBufferLength: streamOptions.maxReadBufferLength ?? this.limits.maxStreamBufferSize,
      maxWriteBufferLength: streamOptions.maxWriteBufferLength,
      inactivityTimeout: streamOptions.inactivityTimeout,
      maxMessageSize: this.limits.maxSendMessageSize,
      memory: new MemoryReservation(this.memory),
    })
    const streams = initiator ? this.initiated : this.received
    streams.set(id, stream)
    stream.addEventListener(
      'close',
      () => {
        if (streams.get(id) === stream) streams.delete(id)
        this.unread.forget(stream)
        if (this.ended) this.closeConnectionWhenIdle()
      },
      { once: true },
    )
    return stream
  }

  private writeReset(stream: MplexStream): void {
    if (this.writerClosed) return
    this.writer.write(stream.streamId, stream.resetType)
  }

  /** Resets a stream the remote opened without creating it. */
  private refuse(id: number, reason: string, remoteFault: boolean): void {
    this.log('refusing stream %d: %s', id, reason)
    this.writer.write(id, MessageType.ResetReceiver)
    if (remoteFault) this.countReset()
  }

  private rejectEarlyStreams(): void {
    const early = this.earlyStreams
    this.earlyStreams = []
    for (const stream of early)
      stream.abort(new MuxerClosedError('the muxer closed before the stream was accepted'))
  }

  private countReset(): void {
    if (this.resets.record()) return
    this.fail(new TooManyStreamResetsError(this.resets.max, this.resets.window))
  }

  /** After the remote ended the connection, close our side once no stream needs it. */
  private closeConnectionWhenIdle(): void {
    if (this.initiated.size > 0 || this.received.size > 0 || this.connection.status !== 'open') return
    this.status = 'closed'
    this.writer.flush()
    this.connection.close().catch((err: Error) => this.log('closing the connection failed: %s', err.message))
  }
}
