/**
 * Racing the addresses of one dial (RFC 8305 §5, "Connection Attempt
 * Delay"): the first attempt starts at once; each further one starts when
 * the previous attempt fails or `stagger` ms pass without a winner, with at
 * most `concurrency` attempts running. The first success wins and the other
 * attempts are aborted; a connection that still arrives afterwards is handed
 * to `onSurplus` (to be closed). No socket code here: `attempt` does the I/O.
 */
import { AbortError, AllAddressesFailedError } from '../errors.js'

/** ms between starting one address's dial and the next (RFC 8305's connection attempt delay) */
export const DEFAULT_ADDRESS_DIAL_DELAY = 250

export interface RaceOptions<T> {
  /** aborts every attempt */
  signal: AbortSignal
  /** ms before the next attempt starts while the others still run (default 250) */
  stagger?: number
  /** attempts running at once (default 4) */
  concurrency?: number
  /** a result that arrived after the winner */
  onSurplus?: (result: T) => void
}

export async function raceAttempts<A, T>(
  items: A[],
  attempt: (item: A, signal: AbortSignal) => Promise<T>,
  options: RaceOptions<T>,
): Promise<T> {
  if (items.length === 0) throw new RangeError('nothing to attempt')
  const stagger = options.stagger ?? DEFAULT_ADDRESS_DIAL_DELAY
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const { signal } = options

  return new Promise<T>((resolve, reject) => {
    const controllers = new Set<AbortController>()
    const errors: Error[] = []
    let next = 0
    let running = 0
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined

    const settle = (fn: () => void): void => {
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = (): void => {
      const reason = signal.reason instanceof Error ? signal.reason : new Error('the dial was aborted')
      for (const controller of controllers) controller.abort(reason)
      if (!settled) settle(() => reject(reason))
    }
    const schedule = (): void => {
      clearTimeout(timer)
      timer = undefined
      if (settled || next >= items.length) return
      timer = setTimeout(() => {
        timer = undefined
        if (running < concurrency) start()
        else schedule()
      }, stagger)
    }
    const start = (): void => {
      if (settled || next >= items.length) return
      const item = items[next++] as A
      const controller = new AbortController()
      const onOuterAbort = (): void => controller.abort(signal.reason)
      signal.addEventListener('abort', onOuterAbort, { once: true })
      controllers.add(controller)
      running++
      const done = (): void => {
        running--
        controllers.delete(controller)
        signal.removeEventListener('abort', onOuterAbort)
      }
      Promise.resolve()
        .then(async () => attempt(item, controller.signal))
        .then(
          (result) => {
            done()
            if (settled) {
              options.onSurplus?.(result)
              return
            }
            settle(() => resolve(result))
            for (const other of controllers) other.abort(new AbortError('another address connected first'))
          },
          (err: unknown) => {
            done()
            errors.push(err instanceof Error ? err : new Error(String(err)))
            if (settled) return
            if (next < items.length) start()
            else if (running === 0) settle(() => reject(failure(errors)))
          },
        )
      schedule()
    }

    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    start()
  })
}

function failure(errors: Error[]): Error {
  if (errors.length === 1) return errors[0] as Error
  return new AllAddressesFailedError(
    errors,
    `all ${errors.length} addresses failed: ${errors.map((err) => err.message).join('; ')}`,
  )
}
