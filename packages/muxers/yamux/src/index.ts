/**
 * @weft/yamux: the yamux stream multiplexer, `/yamux/1.0.0`
 * (hashicorp/yamux spec.md; libp2p/specs yamux/README.md), implementing
 * `@libp2p/interface` 3.x `StreamMuxerFactory` so it works in a weft host and
 * inside js-libp2p, over any `MessageStream`, and talks to go-, rust- and
 * js-libp2p peers.
 *
 * Flow control follows the spec: each stream starts with a 256 KiB window;
 * Window Updates are sent once half of it was read, and the window doubles
 * (up to `maxStreamWindowSize`) while the reader keeps up within four round
 * trips, as go-yamux does. A paused or slow reader stops granting window, so
 * the remote writer stops: a stream never buffers more than its window.
 * Given a host's `resourceManager` (components), a stream reserves the window
 * it grants beyond 256 KiB in the connection's scope first, at priority 127
 * (half a limit); refused, the window stops growing. Released when it closes.
 *
 * @example
 * ```ts
 * import { yamux } from '@weft/yamux'
 * import { streamPair } from '@weft/utils'
 *
 * const [outbound, inbound] = streamPair()
 * const factory = yamux()()
 * const client = factory.createStreamMuxer(outbound) // we dialed: yamux client
 * const server = factory.createStreamMuxer(inbound)
 * server.addEventListener('stream', ({ detail: stream }) => {
 *   stream.addEventListener('message', (evt) => stream.send(evt.data)) // echo
 *   stream.addEventListener('end', () => void stream.close())
 * })
 * const stream = await client.createStream()
 * stream.send(new TextEncoder().encode('hello'))
 * await stream.close() // FIN after the queued bytes
 * for await (const chunk of stream) console.log(chunk.subarray())
 * await client.close() // FIN on every stream, then GoAway
 * ```
 *
 * Options (`YamuxInit`), all optional:
 * - `initiator`: act as client (odd ids) or server; default from the connection's `direction`;
 * - `maxInboundStreams` (1024) / `maxOutboundStreams` (1024): concurrent streams per side;
 * - `maxMessageSize` (64 KiB): largest Data frame payload we send;
 * - `maxEarlyStreams` (10): inbound streams held before a `'stream'` listener exists;
 * - `enableKeepAlive` (true) / `keepAliveInterval` (30 s): ping, and close a session that stops answering;
 * - `streamOptions`: `initialStreamWindowSize` (256 KiB), `maxStreamWindowSize` (16 MiB),
 *   `maxReadBufferLength`, `maxWriteBufferLength`, `inactivityTimeout`.
 */
import {
  type ComponentLogger,
  type MessageStream,
  type StreamMuxerFactory,
  serviceCapabilities,
} from '@libp2p/interface'
import { logger, type ResourceScopes, resourceScopesOf } from '@weft/utils'
import { resolveConfig, type YamuxConfig, type YamuxInit } from './config.js'
import { YAMUX_PROTOCOL, YamuxMuxer } from './muxer.js'

export type { YamuxInit, YamuxStreamOptions } from './config.js'
export * from './errors.js'
export { Flag, FrameType, GoAwayCode, INITIAL_STREAM_WINDOW } from './frame.js'
export { YAMUX_PROTOCOL, YamuxMuxer, type YamuxMuxerEvents } from './muxer.js'
export { WINDOW_MEMORY_PRIORITY, YamuxStream } from './stream.js'

/** What the factory needs from the host; all optional. */
export interface YamuxComponents {
  logger?: ComponentLogger
  /**
   * The host's resource manager: when the connection has a scope there, each
   * stream reserves the receive window it grants beyond 256 KiB before
   * granting it, so a peer cannot make us buffer past our memory budget.
   */
  resourceManager?: ResourceScopes
}

class Yamux implements StreamMuxerFactory<YamuxMuxer> {
  readonly protocol = YAMUX_PROTOCOL
  readonly [Symbol.toStringTag] = '@weft/yamux'
  readonly [serviceCapabilities]: string[] = ['@libp2p/stream-multiplexing']

  constructor(
    private readonly config: YamuxConfig,
    private readonly components: YamuxComponents,
  ) {}

  createStreamMuxer(maConn: MessageStream): YamuxMuxer {
    // a scope of the connection's logger tells connections apart in the output
    const log =
      typeof maConn.log?.newScope === 'function'
        ? maConn.log.newScope('yamux')
        : (this.components.logger?.forComponent('weft:yamux') ?? logger('weft:yamux'))
    return new YamuxMuxer(maConn, this.config, log, resourceScopesOf(this.components)?.scopeOf(maConn))
  }
}

/** The yamux muxer factory: `yamux(init)(components).createStreamMuxer(connection)`. */
export function yamux(
  init: YamuxInit = {},
): (components?: YamuxComponents) => StreamMuxerFactory<YamuxMuxer> {
  const config = resolveConfig(init)
  return (components = {}) => new Yamux(config, components)
}
