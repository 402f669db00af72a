/**
 * A relayed circuit as a `MultiaddrConnection`: the hop stream (initiator) or
 * the stop stream (target) after the handshake carries the raw bytes the
 * upgrader secures and multiplexes, like a TCP socket would. Back-pressure,
 * half-close and resets pass straight through to the underlying stream.
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

export interface RelayedConnectionInit {
  stream: Stream
  remoteAddr: Multiaddr
  direction: MessageStreamDirection
  log: Logger
}

export class RelayedConnection extends AbstractMultiaddrConnection {
  private readonly stream: Stream

  constructor(init: RelayedConnectionInit) {
    super({ log: init.log, direction: init.direction, remoteAddr: init.remoteAddr })
    this.stream = init.stream
    const stream = init.stream
    stream.addEventListener('message', (evt: StreamMessageEvent) => this.onData(evt.data))
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
    const canSendMore = this.stream.send(data)
    return { sentBytes: data.byteLength, canSendMore }
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
