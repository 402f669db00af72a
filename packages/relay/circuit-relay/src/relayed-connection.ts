/**
 * A relayed circuit as a `MultiaddrConnection`: the hop stream (initiator) or
 * the stop stream (target) after the handshake carries the raw bytes the
 * upgrader secures and multiplexes, like a TCP socket would. Back-pressure,
 * half-close and resets pass straight through to the underlying stream.
 *
 * The limits the relay announced (relay/circuit-v2.md "Limit": duration,
 * and data per direction) are kept here too, so a relay that does not
 * enforce them still gets no more: past the duration, or when a direction
 * would carry more than `data` bytes (what fits is still sent or delivered),
 * the circuit is reset with a `CircuitLimitError`, as the relay would.
 */
import type {
  AbortOptions,
  Logger,
  MessageStreamDirection,
  Stream,
  StreamCloseEvent,
  StreamMessageEvent,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { AbstractMultiaddrConnection, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { CircuitLimitError } from './errors.js'
import type { CircuitLimits } from './messages.js'

export interface RelayedConnectionInit {
  stream: Stream
  remoteAddr: Multiaddr
  direction: MessageStreamDirection
  log: Logger
  /** what the relay announced (ms, bytes per direction); none or 0: unlimited */
  limits?: CircuitLimits
}

export class RelayedConnection extends AbstractMultiaddrConnection {
  private readonly stream: Stream
  /** bytes per direction the relay allows, undefined: unlimited */
  private readonly dataLimit?: bigint
  private sent = 0n
  private received = 0n
  private timer?: ReturnType<typeof setTimeout>

  constructor(init: RelayedConnectionInit) {
    super({ log: init.log, direction: init.direction, remoteAddr: init.remoteAddr })
    this.stream = init.stream
    const stream = init.stream
    const { duration, data } = init.limits ?? {}
    if (data != null && data > 0n) this.dataLimit = data
    if (duration != null && duration > 0) {
      this.timer = setTimeout(
        () => this.overLimit(`the circuit reached its time limit of ${duration} ms`),
        duration,
      )
      this.timer.unref?.()
      this.addEventListener('close', () => clearTimeout(this.timer), { once: true })
    }
    stream.addEventListener('message', (evt: StreamMessageEvent) => this.onReceived(evt.data))
    stream.addEventListener('drain', () => this.onDrained())
    stream.addEventListener('remoteCloseWrite', () => {
      // bytes unshifted back into the stream are delivered before the end
      if (stream.readBufferLength === 0) this.onRemoteCloseWrite()
    })
    stream.addEventListener('end', () => this.onRemoteCloseWrite())
    stream.addEventListener(
      'close',
      (evt: StreamCloseEvent) => {
        if (evt.error != null) this.onRemoteReset(evt.error)
        else this.onTransportClosed()
      },
      { once: true },
    )
    if (stream.status !== 'open' && stream.status !== 'closing') {
      queueMicrotask(() => this.onTransportClosed())
    }
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const room = this.room(this.sent)
    if (room != null && BigInt(data.byteLength) > room) {
      // send what the limit allows, then end the circuit
      if (room > 0n) this.stream.send(data.sublist(0, Number(room)))
      this.sent += room
      queueMicrotask(() => this.overLimit(`the circuit went over its data limit of ${this.dataLimit} bytes`))
      return { sentBytes: data.byteLength, canSendMore: false }
    }
    this.sent += BigInt(data.byteLength)
    const canSendMore = this.stream.send(data)
    return { sentBytes: data.byteLength, canSendMore }
  }

  private onReceived(data: Uint8Array | Uint8ArrayList): void {
    const room = this.room(this.received)
    if (room != null && BigInt(data.byteLength) > room) {
      if (room > 0n) this.onData(data.subarray(0, Number(room)))
      this.received += room
      this.overLimit(`the circuit went over its data limit of ${this.dataLimit} bytes`)
      return
    }
    this.received += BigInt(data.byteLength)
    this.onData(data)
  }

  /** Bytes a direction that carried `carried` may still carry; undefined: unlimited. */
  private room(carried: bigint): bigint | undefined {
    return this.dataLimit == null ? undefined : this.dataLimit - carried
  }

  private overLimit(reason: string): void {
    if (this.status !== 'open') return
    this.log('%s', reason)
    this.abort(new CircuitLimitError(reason))
  }

  protected sendReset(err: Error): void {
    this.stream.abort(err)
  }

  protected async sendClose(options?: AbortOptions): Promise<void> {
    await this.stream.close(options)
  }

  protected override sendPause(): void {
    this.stream.pause()
  }

  protected override sendResume(): void {
    this.stream.resume()
  }
}
