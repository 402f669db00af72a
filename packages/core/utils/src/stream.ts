/**
 * Base classes for the two kinds of message stream: a muxed `Stream`
 * (close() half-closes the writable end) and a `MultiaddrConnection` (a raw
 * transport connection; close() ends both directions).
 */
import type {
  AbortOptions,
  MultiaddrConnection,
  MultiaddrConnectionTimeline,
  Stream,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { AbstractMessageStream, type MessageStreamInit } from './message-stream.js'

export interface StreamInit extends MessageStreamInit {
  id: string
  protocol?: string
}

export abstract class AbstractStream extends AbstractMessageStream implements Stream {
  id: string
  protocol: string

  constructor(init: StreamInit) {
    super(init)
    this.id = init.id
    this.protocol = init.protocol ?? ''
  }

  /** Tells the remote we will write no more (after every queued byte). */
  protected abstract sendCloseWrite(options?: AbortOptions): void | Promise<void>
  /** Tells the remote we will read no more. */
  protected abstract sendCloseRead(options?: AbortOptions): void | Promise<void>

  async close(options?: AbortOptions): Promise<void> {
    if (this.writeStatus === 'closing' || this.writeStatus === 'closed') return
    this.writeStatus = 'closing'
    await this.flushed(options)
    await this.sendCloseWrite(options)
    this.writeStatus = 'closed'
    if (this.remoteWriteStatus === 'closed') this.onTransportClosed()
  }

  async closeRead(options?: AbortOptions): Promise<void> {
    if (this.readStatus === 'closing' || this.readStatus === 'closed') return
    this.readBuffer.consume(this.readBuffer.byteLength)
    this.readStatus = 'closing'
    await this.sendCloseRead(options)
    this.readStatus = 'closed'
    this.maybeEnd()
  }
}

export interface MultiaddrConnectionInit extends MessageStreamInit {
  remoteAddr: Multiaddr
}

export abstract class AbstractMultiaddrConnection
  extends AbstractMessageStream<MultiaddrConnectionTimeline>
  implements MultiaddrConnection
{
  remoteAddr: Multiaddr

  constructor(init: MultiaddrConnectionInit) {
    super(init)
    this.remoteAddr = init.remoteAddr
  }

  /** Closes the underlying transport after queued bytes were written. */
  protected abstract sendClose(options?: AbortOptions): void | Promise<void>

  async close(options?: AbortOptions): Promise<void> {
    if (this.status !== 'open') return
    this.status = 'closing'
    this.writeStatus = 'closing'
    try {
      await this.flushed(options)
      await this.sendClose(options)
    } catch (err) {
      this.abort(err as Error)
      return
    }
    this.onTransportClosed()
  }
}
