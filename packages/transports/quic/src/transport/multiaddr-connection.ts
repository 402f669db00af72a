/**
 * The `MultiaddrConnection` of a QUIC connection. Nothing is written to it
 * (the muxer carries every byte); it exists so the host can close or abort
 * the connection and hear when it ends. close() sends CONNECTION_CLOSE with
 * NO_ERROR; abort() sends it with an application error.
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { AbstractMultiaddrConnection, type SendResult } from '@weft/utils'
import type { QuicConnection } from '../connection/connection.js'

/** The application error code of an aborted connection (libp2p defines none; go-libp2p uses 0 too for close). */
const ABORT_CODE = 1

export class QuicMultiaddrConnection extends AbstractMultiaddrConnection {
  constructor(
    private readonly connection: QuicConnection,
    init: { remoteAddr: Multiaddr; direction: 'inbound' | 'outbound'; log: Logger },
  ) {
    super({ ...init })
  }

  protected sendData(_data: unknown): SendResult {
    throw new Error('a QUIC connection carries bytes on its streams only')
  }

  protected sendReset(err: Error): void {
    this.connection.close(ABORT_CODE, err.message.slice(0, 100))
  }

  protected sendClose(_options?: AbortOptions): void {
    this.connection.close(0)
  }

  /** The QUIC connection ended on its own (peer close, idle timeout, error). */
  connectionClosed(err?: Error): void {
    if (this.status === 'closed' || this.status === 'aborted') return
    this.onTransportClosed(err)
  }
}
