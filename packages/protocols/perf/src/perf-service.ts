/**
 * The perf service: serves `/perf/1.0.0` streams and measures other peers,
 * in the shape of js-libp2p's perf service so it runs in a weft host and in
 * js-libp2p's `createLibp2p` alike.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type DialOptions,
  type DialTarget,
  type Logger,
  type Startable,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  serviceCapabilities,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, ProtocolHandler } from '@weft/utils'
import { type PerfInit, resolveConfig } from './config.js'
import { PerfServiceStoppedError, TooManyServedStreamsError } from './errors.js'
import { runPerf, servePerf } from './exchange.js'
import type { PerfOutput } from './protocol.js'

export interface PerfOptions extends AbortOptions {
  /** measure over an existing connection to the peer if there is one (default false: dial a new one) */
  reuseExistingConnection?: boolean
}

export interface PerfComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: {
    openConnection(peer: DialTarget, options?: DialOptions): Promise<Connection>
  }
  logger: ComponentLogger
}

/** What js-libp2p code expects of a perf service. */
export interface Perf {
  measurePerformance(
    multiaddr: Multiaddr,
    sendBytes: number,
    recvBytes: number,
    options?: PerfOptions,
  ): AsyncGenerator<PerfOutput>
}

export class PerfService implements Startable, Perf {
  readonly protocol: string
  readonly [Symbol.toStringTag] = '@libp2p/perf'
  readonly [serviceCapabilities]: string[] = ['@libp2p/perf']

  private readonly log: Logger
  private readonly maxOutboundStreams: number
  private readonly runOnLimitedConnection: boolean
  private readonly maxRequestBytes: number
  private readonly maxServedStreams: number
  private readonly timeout: number
  private readonly reportInterval: number
  /** one block of zeros, sent again and again and never modified */
  private readonly block: Uint8Array
  /** the registered handler; its signal aborts measurements in flight on stop */
  private readonly handler: ProtocolHandler

  constructor(
    private readonly components: PerfComponents,
    init: PerfInit = {},
  ) {
    const config = resolveConfig(init)
    this.protocol = config.protocolName
    this.log = components.logger.forComponent('weft:perf')
    this.maxOutboundStreams = config.maxOutboundStreams
    this.maxServedStreams = config.maxServedStreams
    this.runOnLimitedConnection = config.runOnLimitedConnection
    this.block = new Uint8Array(config.writeBlockSize)
    this.maxRequestBytes = config.maxRequestBytes
    this.timeout = config.timeout
    this.reportInterval = config.reportInterval
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: this.protocol,
      options: {
        maxInboundStreams: config.maxInboundStreams,
        maxOutboundStreams: this.maxOutboundStreams,
        runOnLimitedConnection: this.runOnLimitedConnection,
      },
      handler: (stream) => this.handleStream(stream),
      stoppedError: () => new PerfServiceStoppedError(),
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

  /**
   * Measures the exchange with the peer at `multiaddr`: yields `connection`
   * (unless an existing connection is reused), `stream`, an `intermediary`
   * report per interval, then `final` with the total time since the call and
   * the bytes moved. A connection dialed for the measurement is closed after it.
   */
  async *measurePerformance(
    multiaddr: Multiaddr,
    sendBytes: number,
    recvBytes: number,
    options: PerfOptions = {},
  ): AsyncGenerator<PerfOutput> {
    if (!this.handler.isStarted()) throw new PerfServiceStoppedError('the perf service is not started')
    const signal = anySignal([this.handler.signal, options.signal], this.timeout)
    const fresh = options.reuseExistingConnection !== true
    let connection: Connection | undefined
    try {
      const start = performance.now()
      connection = await this.components.connectionManager.openConnection(multiaddr, { signal, force: fresh })
      const connected = performance.now()
      if (fresh) yield output('connection', (connected - start) / 1000)
      const stream = await connection.newStream(this.protocol, {
        signal,
        maxOutboundStreams: this.maxOutboundStreams,
        runOnLimitedConnection: this.runOnLimitedConnection,
      })
      yield output('stream', (performance.now() - connected) / 1000)
      for await (const report of runPerf(stream, sendBytes, recvBytes, {
        signal,
        block: this.block,
        reportInterval: this.reportInterval,
      })) {
        if (report.type === 'final') report.timeSeconds = (performance.now() - start) / 1000
        yield report
      }
    } finally {
      signal.clear()
      if (fresh && connection != null) {
        await connection.close().catch((err: Error) => connection?.abort(err))
      }
    }
  }

  private handleStream(stream: Stream): void {
    // the registrar caps streams per connection; this caps them over all connections
    if (this.handler.inboundStreams > this.maxServedStreams) {
      this.log('refusing a perf stream: %d served already', this.maxServedStreams)
      stream.abort(new TooManyServedStreamsError(this.maxServedStreams))
      return
    }
    const signal = anySignal([this.handler.signal], this.timeout)
    servePerf(stream, { maxRequestBytes: this.maxRequestBytes, block: this.block, signal, log: this.log })
      .catch((err: Error) => this.log('perf stream failed: %s', err.message))
      .finally(() => signal.clear())
  }
}

function output(type: PerfOutput['type'], timeSeconds: number): PerfOutput {
  return { type, timeSeconds, uploadBytes: 0, downloadBytes: 0 }
}
