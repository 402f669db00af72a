/**
 * Round-trip measurement with yamux Ping frames (spec "Type Field": a Ping
 * with SYN is answered by a Ping with ACK echoing the opaque value). One ping
 * is in flight at a time; concurrent callers share its answer.
 */
import { type AbortOptions, TimeoutError } from '@libp2p/interface'
import { type Deferred, deferred, raceSignal } from '@weft/utils'
import { MAX_UINT32 } from './frame.js'

interface ActivePing {
  id: number
  start: number
  result: Deferred<number>
}

export class PingTracker {
  /** the last measured round-trip time in ms, -1 before the first answer */
  rtt = -1
  private nextId = 0
  private active?: ActivePing
  private closedWith?: Error

  constructor(private readonly sendPing: (id: number) => void) {}

  /** When the ping in flight was sent (`performance.now()`), if one is. */
  get outstandingSince(): number | undefined {
    return this.active?.start
  }

  async ping(options?: AbortOptions): Promise<number> {
    if (this.closedWith != null) throw this.closedWith
    let active = this.active
    if (active == null) {
      const result = deferred<number>()
      // callers may all give up (signal); the settled promise must not be reported as unhandled
      result.promise.catch(() => {})
      active = { id: this.nextId, start: performance.now(), result }
      this.nextId = this.nextId === MAX_UINT32 ? 0 : this.nextId + 1
      this.active = active
      this.sendPing(active.id)
    }
    return raceSignal(active.result.promise, options?.signal)
  }

  /** A Ping ACK arrived; false when it answers no ping of ours. */
  onAck(id: number): boolean {
    const active = this.active
    if (active == null || active.id !== id) return false
    this.active = undefined
    this.rtt = performance.now() - active.start
    active.result.resolve(this.rtt)
    return true
  }

  /** Fails the ping in flight and every later one with `err`. */
  close(err: Error): void {
    this.closedWith ??= err
    const active = this.active
    this.active = undefined
    active?.result.reject(err)
  }
}

/**
 * Keep-alive: a ping every `interval` ms; when a ping is still unanswered at
 * the next tick, `onTimeout` ends the session. The timer is unref'd and
 * cleared by `stop()`.
 */
export class KeepAlive {
  private timer?: ReturnType<typeof setTimeout>

  constructor(
    private readonly pings: PingTracker,
    private readonly interval: number,
    private readonly onTimeout: (err: Error) => void,
  ) {}

  start(): void {
    this.stop()
    this.timer = setTimeout(this.tick, this.interval)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer != null) clearTimeout(this.timer)
    this.timer = undefined
  }

  private readonly tick = (): void => {
    this.timer = undefined
    const since = this.pings.outstandingSince
    if (since != null && performance.now() - since >= this.interval) {
      this.onTimeout(new TimeoutError(`the remote did not answer a ping within ${this.interval} ms`))
      return
    }
    this.pings.ping().catch(() => {})
    this.start()
  }
}
