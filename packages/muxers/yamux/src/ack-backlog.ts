/**
 * libp2p/specs yamux "ACK backlog": a peer should have at most 256 streams it
 * opened that the remote has not acknowledged yet. Opening one more waits
 * until the remote acknowledges (or resets) one of them, which gives the
 * remote a limited form of back-pressure on stream opening.
 */
import type { AbortOptions } from '@libp2p/interface'
import { type Deferred, deferred, raceSignal, throwIfAborted } from '@weft/utils'

export const MAX_ACK_BACKLOG = 256

export class AckBacklog {
  /** streams opened and not yet acknowledged */
  size = 0
  private readonly waiters: Array<Deferred<void>> = []
  private closedWith?: Error

  constructor(readonly limit = MAX_ACK_BACKLOG) {}

  /**
   * Takes a slot, waiting while all are taken. Waiters are bounded by the
   * caller (the muxer reserves an outbound stream slot first).
   */
  async acquire(options?: AbortOptions): Promise<void> {
    while (this.size >= this.limit) {
      if (this.closedWith != null) throw this.closedWith
      throwIfAborted(options?.signal)
      const waiter = deferred<void>()
      this.waiters.push(waiter)
      try {
        await raceSignal(waiter.promise, options?.signal)
      } finally {
        const index = this.waiters.indexOf(waiter)
        if (index !== -1) this.waiters.splice(index, 1)
      }
    }
    if (this.closedWith != null) throw this.closedWith
    this.size++
  }

  /** A stream was acknowledged, or closed before it was. */
  release(): void {
    this.size--
    this.waiters.shift()?.resolve()
  }

  /** Fails every waiter, and every later `acquire` that would have to wait, with `err`. */
  close(err: Error): void {
    this.closedWith ??= err
    for (const waiter of this.waiters.splice(0)) waiter.reject(err)
  }
}
