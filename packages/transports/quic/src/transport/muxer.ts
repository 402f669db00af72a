/**
 * The `StreamMuxer` face of a QUIC connection: QUIC multiplexes natively,
 * so the upgrader is handed this instead of negotiating yamux or mplex.
 * Reports protocol `/quic`, as js-libp2p's QUIC connections do. Streams the
 * peer opens before anyone listens wait (bounded by the connection's
 * MAX_STREAMS).
 */
import {
  type AbortOptions,
  type CreateStreamOptions,
  type Logger,
  MuxerClosedError,
  type StreamMuxer,
  type StreamMuxerFactory,
  type StreamMuxerStatus,
} from '@libp2p/interface'
import {
  endOnListenerError,
  LightEventTarget,
  type MuxerEvents,
  raceSignal,
  throwIfAborted,
} from '@weft/utils'
import type { QuicConnection } from '../connection/connection.js'
import type { StreamState } from '../connection/stream-state.js'
import { QuicStream } from './stream.js'

export const MUXER_PROTOCOL = '/quic'

export class QuicMuxer extends LightEventTarget<MuxerEvents<QuicStream>> implements StreamMuxer<QuicStream> {
  readonly protocol = MUXER_PROTOCOL
  status: StreamMuxerStatus = 'open'
  private readonly open = new Set<QuicStream>()
  private early: QuicStream[] = []
  private creditWaiters: Array<() => void> = []

  constructor(
    private readonly connection: QuicConnection,
    readonly log: Logger,
  ) {
    super()
    connection.events.stream = (state) => this.onIncoming(state)
    connection.streams.onStreamCredit = () => {
      for (const wake of this.creditWaiters.splice(0)) wake()
    }
    for (const state of connection.streams.streams.values()) {
      if (state.handler == null) this.onIncoming(state)
    }
  }

  get streams(): QuicStream[] {
    return [...this.open]
  }

  async createStream(options?: CreateStreamOptions): Promise<QuicStream> {
    throwIfAborted(options?.signal)
    // wait (bounded by the caller's signal and the connection's life) for MAX_STREAMS credit
    while (!this.connection.streams.canOpen) {
      if (this.status !== 'open' || this.connection.closed) break
      await raceSignal(new Promise<void>((resolve) => this.creditWaiters.push(resolve)), options?.signal)
    }
    if (this.status !== 'open' || this.connection.closed) {
      throw new MuxerClosedError(`cannot open a stream: the muxer is ${this.status}`)
    }
    const stream = this.track(
      new QuicStream(this.connection, this.connection.streams.open(), 'outbound', this.log),
    )
    return stream
  }

  async close(options?: AbortOptions): Promise<void> {
    if (this.status !== 'open') return
    this.status = 'closing'
    this.early = []
    try {
      await raceSignal(
        Promise.all(this.streams.map((stream) => stream.close(options).catch(() => undefined))),
        options?.signal,
      )
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
    this.status = 'closed'
    this.wakeAll()
  }

  abort(err: Error): void {
    if (this.status === 'closed') return
    this.status = 'closed'
    this.early = []
    for (const stream of this.streams) stream.abort(err)
    this.wakeAll()
  }

  /** The QUIC connection ended (its streams end on their own; the host hears it from the maConn). */
  connectionClosed(): void {
    this.status = 'closed'
    this.early = []
    this.wakeAll()
  }

  protected override onListenerError(err: unknown, event: Event): void {
    endOnListenerError(this, err, event)
  }

  override addEventListener<K extends keyof MuxerEvents<QuicStream>>(
    type: K,
    listener: ((evt: MuxerEvents<QuicStream>[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as never, options)
    if (type === 'stream' && this.early.length > 0) {
      queueMicrotask(() => {
        const early = this.early
        this.early = []
        for (const stream of early)
          if (stream.status === 'open') this.safeDispatchEvent('stream', { detail: stream })
      })
    }
  }

  private onIncoming(state: StreamState): void {
    if (this.status !== 'open') {
      this.connection.streams.reset(state, 0)
      this.connection.streams.stopSending(state, 0)
      return
    }
    const stream = this.track(new QuicStream(this.connection, state, 'inbound', this.log))
    if (this.listenerCount('stream') > 0) this.safeDispatchEvent('stream', { detail: stream })
    else this.early.push(stream)
  }

  private track(stream: QuicStream): QuicStream {
    this.open.add(stream)
    stream.addEventListener('close', () => this.open.delete(stream), { once: true })
    return stream
  }

  private wakeAll(): void {
    for (const wake of this.creditWaiters.splice(0)) wake()
  }
}

/** A factory that hands the upgrader this connection's muxer. */
export function muxerFactory(muxer: QuicMuxer): StreamMuxerFactory {
  return { protocol: MUXER_PROTOCOL, createStreamMuxer: () => muxer }
}
