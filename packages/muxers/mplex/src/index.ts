/**
 * @weft/mplex: the mplex stream multiplexer (`/mplex/6.7.0`, libp2p/specs
 * mplex/README.md) as an @libp2p/interface 3.x `StreamMuxerFactory`, usable
 * in a weft host or in js-libp2p, over any `MessageStream`.
 *
 * @example
 * ```ts
 * import { mplex } from '@weft/mplex'
 * import { streamPair } from '@weft/utils'
 *
 * const [a, b] = streamPair()
 * const factory = mplex()()
 * const dialer = factory.createStreamMuxer(a)
 * const listener = factory.createStreamMuxer(b)
 * listener.addEventListener('stream', ({ detail: stream }) => {
 *   stream.addEventListener('message', (evt) => stream.send(evt.data)) // echo
 *   stream.addEventListener('remoteCloseWrite', () => void stream.close())
 * })
 * const stream = await dialer.createStream()
 * stream.send(new TextEncoder().encode('hello'))
 * await stream.close()
 * ```
 *
 * mplex has no flow control: the remote cannot be told to stop sending on one
 * stream. A paused stream, or one nobody reads, buffers incoming bytes until
 * `maxStreamBufferSize`, or until the host's resource manager
 * (`components.resourceManager`) refuses the memory for them, then it is
 * reset; other streams carry on. Writes do see back-pressure: when the
 * connection's `send()` returns false, every stream's `send()` returns false
 * until the connection's `'drain'`.
 *
 * Options (`MplexInit`), defaults in brackets:
 * - `maxInboundStreams` [1024]: streams the remote may have open; more are reset.
 * - `maxOutboundStreams` [1024]: `createStream` throws beyond this.
 * - `maxEarlyStreams` [32]: inbound streams held before a `'stream'` listener exists; more are reset.
 * - `maxMessageSize` [1 MiB]: largest frame body accepted; a larger one closes the connection.
 * - `maxSendMessageSize` [64 KiB]: largest data frame body sent (at most 1 MiB, what peers accept).
 * - `maxStreamBufferSize` [4 MiB]: unread bytes one stream may hold before it is reset.
 * - `maxConnectionBufferSize` [64 MiB]: unread bytes all streams together may hold; beyond it the
 *   stream holding the most is reset.
 * - `maxStreamResets` [1000] per `streamResetWindow` [10 s]: resets the remote causes (resetting
 *   streams it opened, opening streams beyond the limits) before the connection is closed with
 *   `TooManyStreamResetsError`.
 * - `streamOptions`: defaults for every stream (`maxReadBufferLength`, `maxWriteBufferLength`, …).
 *
 * Errors that close the connection: `InvalidFrameError`, `FrameTooLargeError`, `TooManyStreamResetsError`.
 */
import type { ComponentLogger, MessageStream, StreamMuxerFactory } from '@libp2p/interface'
import { logger, type ResourceScopes, resourceScopesOf } from '@weft/utils'
import { type MplexConfig, type MplexInit, resolveConfig } from './config.js'
import { MplexMuxer, PROTOCOL } from './muxer.js'

export { type MplexConfig, type MplexInit, resolveConfig } from './config.js'
export { FrameTooLargeError, InvalidFrameError, TooManyStreamResetsError } from './errors.js'
export { MplexMuxer, PROTOCOL } from './muxer.js'
export { MplexStream } from './stream.js'

export interface MplexComponents {
  /** used when the connection's own logger cannot make a scope */
  logger?: ComponentLogger
  /**
   * The host's resource manager: when the connection has a scope there, a
   * stream reserves memory before it buffers unread bytes, and is reset when
   * that is refused, so a peer cannot make us buffer past our memory budget.
   */
  resourceManager?: ResourceScopes
}

export class Mplex implements StreamMuxerFactory<MplexMuxer> {
  readonly protocol = PROTOCOL
  private readonly limits: MplexConfig

  constructor(
    init: MplexInit = {},
    private readonly components: MplexComponents = {},
  ) {
    this.limits = resolveConfig(init)
  }

  createStreamMuxer(maConn: MessageStream): MplexMuxer {
    const log =
      typeof maConn.log?.newScope === 'function'
        ? maConn.log.newScope('mplex')
        : (this.components.logger?.forComponent('weft:mplex') ?? logger('weft:mplex'))
    return new MplexMuxer(maConn, this.limits, log, resourceScopesOf(this.components)?.scopeOf(maConn))
  }
}

/** The mplex muxer factory: `mplex(init)(components)`. */
export function mplex(
  init: MplexInit = {},
): (components?: MplexComponents) => StreamMuxerFactory<MplexMuxer> {
  return (components) => new Mplex(init, components)
}
