/**
 * The ping service: answers `/ipfs/ping/1.0.0` streams and measures the round
 * trip time to other peers (libp2p/specs ping/ping.md).
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type DialTarget,
  type Logger,
  type Startable,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  serviceCapabilities,
} from '@libp2p/interface'
import { anySignal, ProtocolHandler, raceSignal, StreamReader, sendAll } from '@weft/utils'
import { type PingInit, resolveConfig } from './config.js'
import { echoPings, PING_LENGTH } from './echo.js'
import { PingMismatchError, PingServiceStoppedError } from './errors.js'

export interface PingComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: {
    openConnection(peer: DialTarget, options?: AbortOptions): Promise<Connection>
  }
  logger: ComponentLogger
}

export class PingService implements Startable {
  readonly protocol: string
  readonly [Symbol.toStringTag] = '@libp2p/ping'
  readonly [serviceCapabilities]: string[] = ['@libp2p/ping']

  private readonly log: Logger
  private readonly timeout: number
  private readonly idleTimeout: number
  private readonly maxOutboundStreams: number
  private readonly runOnLimitedConnection: boolean
  /** the registered handler; its signal aborts pings in flight on stop */
  private readonly handler: ProtocolHandler

  constructor(
    private readonly components: PingComponents,
    init: PingInit = {},
  ) {
    const config = resolveConfig(init)
    this.protocol = config.protocol
    this.log = components.logger.forComponent('weft:ping')
    this.timeout = config.timeout
    this.idleTimeout = config.idleTimeout
    this.maxOutboundStreams = config.maxOutboundStreams
    this.runOnLimitedConnection = config.runOnLimitedConnection
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: this.protocol,
      options: {
        maxInboundStreams: config.maxInboundStreams,
        maxOutboundStreams: this.maxOutboundStreams,
        runOnLimitedConnection: this.runOnLimitedConnection,
      },
      handler: (stream) => this.handleStream(stream),
      stoppedError: () => new PingServiceStoppedError(),
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
   * Sends one 32-byte payload to `peer` (dialing it if needed) and resolves to
   * the milliseconds until the echo came back.
   */
  async ping(peer: DialTarget, options: AbortOptions = {}): Promise<number> {
    const signal = anySignal([this.handler.signal, options.signal], this.timeout)
    let stream: Stream | undefined
    try {
      const connection = await this.components.connectionManager.openConnection(peer, { signal })
      // "MUST NOT keep more than one outbound stream" (ping.md): a previous
      // ping's stream may still wait for the remote to close its end
      const previousStreams = connection.streams.filter(
        (previous) => previous.protocol === this.protocol && previous.direction === 'outbound',
      )
      if (previousStreams.length > 0) {
        // give the remote a moment to finish them, then reset what is left
        const grace = anySignal([signal], PREVIOUS_STREAM_GRACE)
        try {
          await Promise.all(previousStreams.map(async (previous) => streamOver(previous, grace)))
        } finally {
          grace.clear()
        }
      }
      stream = await connection.newStream(this.protocol, {
        signal,
        maxOutboundStreams: this.maxOutboundStreams,
        runOnLimitedConnection: this.runOnLimitedConnection,
      })
      const rtt = await pingOnce(stream, { signal })
      // half-close; the remote ends its side when it sees ours (some stacks
      // only flush that with later traffic, so nobody waits for it here)
      await stream.close({ signal })
      return rtt
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
    }
  }

  private handleStream(stream: Stream): void {
    echoPings(stream, { idleTimeout: this.idleTimeout, log: this.log })
  }
}

/**
 * One ping exchange on an open ping stream; resolves to the round trip time
 * in milliseconds. The stream stays open for the next exchange.
 */
export async function pingOnce(stream: Stream, options: AbortOptions = {}): Promise<number> {
  const payload = crypto.getRandomValues(new Uint8Array(PING_LENGTH))
  const reader = new StreamReader(stream, { maxBufferLength: PING_LENGTH * 64 })
  try {
    const start = performance.now()
    await sendAll(stream, payload, options)
    const echo = (await reader.readExact(PING_LENGTH, options)).subarray()
    const rtt = performance.now() - start
    for (let i = 0; i < PING_LENGTH; i++) {
      if (echo[i] !== payload[i]) throw new PingMismatchError(payload, echo)
    }
    return rtt
  } finally {
    reader.release()
  }
}

/** Resolves once `stream` is closed at both ends; if `signal` aborts first, resets it instead. */
async function streamOver(stream: Stream, signal: AbortSignal): Promise<void> {
  if (stream.status !== 'open' && stream.status !== 'closing') return
  const closed = new Promise<void>((resolve) => {
    stream.addEventListener('close', () => resolve(), { once: true })
  })
  try {
    await raceSignal(closed, signal)
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** ms a previous ping stream may take to close before the next ping resets it */
const PREVIOUS_STREAM_GRACE = 1_000
