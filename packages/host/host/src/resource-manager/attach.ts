/** How the host ties spans to what they account for: a stream's span ends with the stream. */
import type { MessageStreamDirection, PeerId, Stream } from '@libp2p/interface'
import { CODE_P2P_CIRCUIT, type Multiaddr } from '@multiformats/multiaddr'
import type { ResourceManager, StreamScope } from './resource-manager.js'
import type { Span } from './span.js'

const ENDED = new Set(['closed', 'aborted', 'reset'])

/**
 * Gives `span` back when `stream` closes, resets or aborts, and keeps it in
 * `open` until then (its connection ends whatever is left there when it ends,
 * so a muxer that drops a stream without a close event leaks nothing).
 */
export function releaseOnClose(span: Span, stream: Stream, open: Set<Span>): void {
  const end = (): void => {
    open.delete(span)
    span.done()
  }
  if (ENDED.has(stream.status)) {
    end()
    return
  }
  open.add(span)
  stream.addEventListener('close', end, { once: true })
}

/** Ends every span in `open` (the connection they ran on ended). */
export function releaseAll(open: Set<Span>): void {
  for (const span of open) span.done()
  open.clear()
}

/**
 * The streams of one connection in the resource manager: `reserve` before a
 * stream is negotiated (throws `ResourceLimitError` when a scope is full),
 * `track` once it exists, `endAll` when the connection ends. Without a
 * manager every call is a no-op.
 */
export class StreamReservations {
  /** made with the first stream: an idle connection holds no set */
  private open?: Set<Span>
  private ended = false

  constructor(
    private readonly manager: Pick<ResourceManager, 'openStream' | 'bind'> | undefined,
    private readonly peer: PeerId,
  ) {}

  reserve(direction: MessageStreamDirection): StreamScope | undefined {
    return this.manager?.openStream(this.peer, direction)
  }

  /** Ties `scope` to `stream`: given back when the stream ends, or at once if the connection already has. */
  track(scope: StreamScope | undefined, stream: Stream): void {
    if (scope == null) return
    this.manager?.bind(scope, stream)
    if (this.ended) scope.done()
    else {
      this.open ??= new Set()
      releaseOnClose(scope, stream, this.open)
    }
  }

  endAll(): void {
    this.ended = true
    if (this.open != null) releaseAll(this.open)
  }
}

/**
 * Whether a transport connection to `address` holds a file descriptor of its
 * own: a TCP socket (WebSocket included) or a Unix socket does; a relayed
 * circuit rides on its relay's, and memory or UDP-multiplexed ones hold none.
 */
export function holdsFileDescriptor(address: Multiaddr): boolean {
  const components = address.getComponents()
  if (components.some((component) => component.code === CODE_P2P_CIRCUIT)) return false
  return components.some((component) => component.name === 'tcp' || component.name === 'unix')
}
