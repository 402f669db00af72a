/**
 * The start/stop half every protocol service shares: register a stream
 * handler with the registrar on start, unregister it on stop, and end what is
 * still running — inbound streams are aborted and `signal` aborts for
 * outbound work in flight — with the service's own "stopped" error.
 */
import type { AbortOptions, Connection, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

export interface HandlerRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

export interface ProtocolHandlerInit {
  registrar: HandlerRegistrar
  protocol: string
  /** per-connection stream limits and limited-connection policy */
  options: StreamHandlerOptions
  handler: (stream: Stream, connection: Connection) => void
  /** the error inbound streams and outbound work end with on stop */
  stoppedError: () => Error
}

export class ProtocolHandler {
  private readonly inbound = new Set<Stream>()
  private shutdown = new AbortController()
  private started = false

  constructor(private readonly init: ProtocolHandlerInit) {
    this.onStream = this.onStream.bind(this)
  }

  /** Aborts when the service stops; a new one after each start. */
  get signal(): AbortSignal {
    return this.shutdown.signal
  }

  /** Inbound streams the handler was given that have not closed yet. */
  get inboundStreams(): number {
    return this.inbound.size
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    await this.init.registrar.handle(this.init.protocol, this.onStream, this.init.options)
    this.started = true
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.init.registrar.unhandle(this.init.protocol)
    this.shutdown.abort(this.init.stoppedError())
    for (const stream of [...this.inbound]) stream.abort(this.init.stoppedError())
    this.inbound.clear()
  }

  private onStream(stream: Stream, connection: Connection): void {
    this.inbound.add(stream)
    stream.addEventListener('close', () => this.inbound.delete(stream), { once: true })
    this.init.handler(stream, connection)
  }
}
