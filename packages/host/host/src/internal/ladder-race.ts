/**
 * Racing the rungs of the connection ladder, staggered as happy eyeballs
 * races addresses (RFC 8305 §5): the first rung starts at once, each further
 * one when the rung before it fails or is skipped, or when `stagger` ms pass
 * without a winner. Every rung runs under its own timeout.
 *
 * Which connection wins: the first unlimited (direct) one at once. A limited
 * one (a relayed circuit) is held and wins only when every rung ranked above
 * it has given up, so a relay that answers quickly does not cut short a hole
 * punch that would have made the connection direct; the punch's own timeout
 * bounds the wait, and `limitedWait` shortens it: a relayed connection is
 * good to use while the upgrade goes on (DCUtR keeps punching over it after
 * the dial returns). The others are aborted and a connection that still
 * arrives afterwards goes to `onSurplus`. No socket code here: each rung's
 * `attempt` does the I/O.
 */
import { anySignal } from '@weft/utils'
import { AbortError, LadderFailedError } from '../errors.js'

/** One rung as the race sees it (connection-ladder.ts builds these from the configured rungs). */
export interface RaceRung<T> {
  name: string
  /** ms the rung may take */
  timeout: number
  /** false: skipped (no attempt, no timer) */
  canTry(): boolean | Promise<boolean>
  attempt(signal: AbortSignal): Promise<T>
}

export type RungOutcome = 'connected' | 'failed' | 'timeout' | 'skipped' | 'aborted' | 'not-reached'

/** What one rung did in one dial. */
export interface RungTiming {
  name: string
  outcome: RungOutcome
  /** ms after the ladder started that the rung started (undefined: it never did) */
  startedAt?: number
  /** ms the rung ran until it settled */
  ms?: number
  error?: string
}

export interface RaceResult<T> {
  result: T
  /** the rung that made `result` */
  rung: string
  /** every rung in ladder order */
  rungs: RungTiming[]
  /** ms from the start of the ladder to the winner */
  ms: number
}

export interface LadderRaceOptions<T> {
  signal: AbortSignal
  /** ms before the next rung starts while earlier ones still run */
  stagger: number
  /** a limited result waits for the rungs above it */
  isLimited(result: T): boolean
  /** ms a held limited result waits for the rungs above it before it wins anyway (default: until they settle) */
  limitedWait?: number
  /** a result that did not win (arrived late, or a held limited one beaten by a direct one) */
  onSurplus?(result: T): void
}

export async function raceRungs<T>(
  rungs: ReadonlyArray<RaceRung<T>>,
  options: LadderRaceOptions<T>,
): Promise<RaceResult<T>> {
  if (rungs.length === 0) throw new RangeError('the ladder has no rung')
  const { signal, stagger } = options
  const began = performance.now()
  const timings: RungTiming[] = rungs.map((rung) => ({ name: rung.name, outcome: 'not-reached' }))
  const settled: boolean[] = rungs.map(() => false)
  const controllers = new Map<number, AbortController>()
  const errors: Error[] = []

  return new Promise<RaceResult<T>>((resolve, reject) => {
    let next = 0
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let holdTimer: ReturnType<typeof setTimeout> | undefined
    let held: { index: number; result: T } | undefined

    const finish = (fn: () => void): void => {
      done = true
      clearTimeout(timer)
      clearTimeout(holdTimer)
      signal.removeEventListener('abort', onAbort)
      for (const [index, controller] of controllers) {
        settle(index, 'aborted')
        controller.abort(new AbortError('another rung connected'))
      }
      fn()
    }
    const win = (index: number, result: T): void => {
      if (held != null && held.index !== index) options.onSurplus?.(held.result)
      const rung = rungs[index] as RaceRung<T>
      finish(() => resolve({ result, rung: rung.name, rungs: timings, ms: performance.now() - began }))
    }
    /** A held limited result wins once every rung above it settled; with nothing left to run, reject. */
    const check = (): void => {
      if (done) return
      if (held != null && settled.slice(0, held.index).every(Boolean)) {
        win(held.index, held.result)
      } else if (next >= rungs.length && controllers.size === 0) {
        if (held != null) win(held.index, held.result)
        else finish(() => reject(failure(errors)))
      }
    }
    const onAbort = (): void => {
      const reason = signal.reason instanceof Error ? signal.reason : new AbortError('the dial was aborted')
      if (held != null) options.onSurplus?.(held.result)
      held = undefined
      if (done) return
      for (const controller of controllers.values()) controller.abort(reason)
      finish(() => reject(reason))
    }
    const schedule = (): void => {
      clearTimeout(timer)
      timer = undefined
      if (done || next >= rungs.length) return
      timer = setTimeout(() => {
        timer = undefined
        void start()
      }, stagger)
    }
    const settle = (index: number, outcome: RungOutcome, err?: Error): void => {
      const timing = timings[index] as RungTiming
      if (settled[index] === true) return
      settled[index] = true
      timing.outcome = outcome
      if (timing.startedAt != null) timing.ms = Math.round(performance.now() - began - timing.startedAt)
      if (err != null) {
        timing.error = err.message
        errors.push(err)
      }
    }
    const start = async (): Promise<void> => {
      if (done || next >= rungs.length) return
      const index = next++
      const rung = rungs[index] as RaceRung<T>
      let tryIt: boolean
      try {
        tryIt = await rung.canTry()
      } catch {
        tryIt = false
      }
      if (done) return
      if (!tryIt) {
        settle(index, 'skipped')
        check()
        return start()
      }
      const controller = new AbortController()
      controllers.set(index, controller)
      const rungSignal = anySignal([controller.signal], rung.timeout)
      const timing = timings[index] as RungTiming
      timing.startedAt = Math.round(performance.now() - began)
      schedule()
      let result: T
      try {
        result = await rung.attempt(rungSignal)
      } catch (caught) {
        const err = caught instanceof Error ? caught : new Error(String(caught))
        controllers.delete(index)
        const timedOut = rungSignal.aborted && !controller.signal.aborted
        rungSignal.clear()
        if (done) return
        // the error stays the attempt's own (a TimeoutError when the rung's time ran out)
        settle(index, timedOut ? 'timeout' : 'failed', err)
        check()
        // a failure moves the ladder on at once, without waiting for the stagger
        return start()
      }
      controllers.delete(index)
      rungSignal.clear()
      if (done) {
        options.onSurplus?.(result)
        return
      }
      settle(index, 'connected')
      if (!options.isLimited(result)) return win(index, result)
      if (held == null) {
        held = { index, result }
        // the rungs below a relayed connection are no better than it: not started
        next = rungs.length
        clearTimeout(timer)
        if (options.limitedWait != null) {
          const taken = held
          holdTimer = setTimeout(() => {
            if (!done && held === taken) win(taken.index, taken.result)
          }, options.limitedWait)
        }
      } else options.onSurplus?.(result)
      check()
    }

    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    void start()
  })
}

function failure(errors: Error[]): Error {
  if (errors.length === 1) return errors[0] as Error
  return new LadderFailedError(
    errors,
    `every rung of the connection ladder failed: ${errors.map((err) => err.message).join('; ')}`,
  )
}
