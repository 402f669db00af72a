/**
 * Simultaneous dials: two hosts that dial each other at once each end up
 * with two connections to the other, one dialed and one accepted. One of
 * them is redundant, and both ends name the same one without talking:
 *
 *   among the open, direct, unlimited connections to one peer, when some
 *   were dialed by each side, those dialed by the host whose peer id
 *   (multihash bytes) is larger are redundant; those dialed by the smaller
 *   one are kept.
 *
 * A connection's dialer is us when it is outbound and the remote when it is
 * inbound, so both ends evaluate the rule on the same facts. Relayed
 * (limited) connections never count: they are not duplicates of a direct
 * one. Several connections dialed by one side (forced dials) are left alone.
 *
 * Only the host that dialed a redundant connection closes it; the other end
 * sees it close. It waits `closeDelay` first (a stream being opened on it
 * shows up meanwhile), then closes it gracefully once it carries no stream:
 * streams in flight are never cut, and a connection whose streams live on
 * (a pubsub stream) stays until they end. New streams go to the kept
 * connection (`preferredConnection`).
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'

/** Negative when `a` sorts before `b`, byte by byte (a prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const difference = (a[i] as number) - (b[i] as number)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

/** The host that dialed `connection`, seen from `self`. */
export function dialerOf(self: PeerId, connection: Connection): PeerId {
  return connection.direction === 'outbound' ? self : connection.remotePeer
}

function isCandidate(connection: Connection): boolean {
  return connection.status === 'open' && connection.direct && connection.limits == null
}

/**
 * The redundant connections among `connections` (all to one peer), by the
 * rule above; empty when the peer has no duplicate. Pure: both ends of the
 * connections get the same answer.
 */
export function redundantConnections(self: PeerId, connections: readonly Connection[]): Connection[] {
  const candidates = connections.filter(isCandidate)
  const outbound = candidates.filter((connection) => connection.direction === 'outbound')
  const inbound = candidates.filter((connection) => connection.direction === 'inbound')
  if (outbound.length === 0 || inbound.length === 0) return []
  const remote = inbound[0]!.remotePeer
  // ours are kept when our peer id is the smaller one
  const oursKept = compareBytes(self.toMultihash().bytes, remote.toMultihash().bytes) < 0
  return oursKept ? inbound : outbound
}

/** The open, unlimited connection new streams should use: never a redundant one while another exists. */
export function preferredConnection(
  self: PeerId,
  connections: readonly Connection[],
): Connection | undefined {
  const usable = connections.filter((connection) => connection.status === 'open' && connection.limits == null)
  const redundant = new Set(redundantConnections(self, usable))
  return usable.find((connection) => !redundant.has(connection)) ?? usable[0]
}

export interface DuplicateConnectionsInit {
  self: PeerId
  /** ms between finding a redundant connection and closing it once idle */
  closeDelay: number
  /** the current connections to a peer */
  connectionsTo(peer: PeerId): Connection[]
  log: Logger
}

/** Closes the redundant connections this host dialed, once they are idle. */
export class DuplicateConnections {
  /** redundant connections waiting to be closed, with their delay's timer while it runs */
  private readonly pending = new Map<Connection, ReturnType<typeof setTimeout> | undefined>()
  private readonly watchedStreams = new WeakSet<Stream>()

  constructor(private readonly init: DuplicateConnectionsInit) {}

  /** A connection to `peer` opened: schedule the close of any redundant connection we dialed. */
  check(peer: PeerId): void {
    const { self, closeDelay, connectionsTo, log } = this.init
    for (const connection of redundantConnections(self, connectionsTo(peer))) {
      if (connection.direction !== 'outbound' || this.pending.has(connection)) continue
      log('connection %s to %p duplicates one the peer dialed: closing it when idle', connection.id, peer)
      this.pending.set(
        connection,
        setTimeout(() => this.closeWhenIdle(connection), closeDelay),
      )
      connection.addEventListener('close', () => this.forget(connection), { once: true })
    }
  }

  /** Cancels every pending close (the host is stopping and closes everything itself). */
  stop(): void {
    for (const connection of [...this.pending.keys()]) this.forget(connection)
  }

  /** Redundant connections not yet closed (for tests and metrics). */
  get size(): number {
    return this.pending.size
  }

  private forget(connection: Connection): void {
    const timer = this.pending.get(connection)
    if (timer != null) clearTimeout(timer)
    this.pending.delete(connection)
  }

  private closeWhenIdle(connection: Connection): void {
    if (!this.pending.has(connection)) return
    this.pending.set(connection, undefined)
    const { self, connectionsTo, log } = this.init
    // still redundant? (the kept one may have closed meanwhile)
    if (!redundantConnections(self, connectionsTo(connection.remotePeer)).includes(connection)) {
      this.forget(connection)
      return
    }
    const live = connection.streams.filter(
      (stream) => stream.status === 'open' || stream.status === 'closing',
    )
    if (live.length === 0) {
      this.forget(connection)
      log('closing duplicate connection %s to %p', connection.id, connection.remotePeer)
      connection.close().catch((err: Error) => connection.abort(err))
      return
    }
    // look again when a stream ends; streams opened meanwhile are among `live` then
    for (const stream of live) {
      if (this.watchedStreams.has(stream)) continue
      this.watchedStreams.add(stream)
      stream.addEventListener('close', () => queueMicrotask(() => this.closeWhenIdle(connection)), {
        once: true,
      })
    }
  }
}
