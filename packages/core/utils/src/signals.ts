/** Small helpers for promises and AbortSignals; nothing here keeps a timer alive after it settles. */
import { AbortError, TimeoutError } from '@libp2p/interface'

export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (err: Error) => void
}

/** `Promise.withResolvers`, which Node 20 lacks. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  return new AbortError(typeof reason === 'string' ? reason : 'the operation was aborted')
}

/** Settles with `promise`, or rejects when `signal` aborts first. */
export async function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    throw abortReason(signal)
  }
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(abortReason(signal))
        signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}

/** Throws the signal's reason if it has aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted === true) throw abortReason(signal)
}

export interface ClearableSignal extends AbortSignal {
  clear(): void
}

/**
 * A signal that aborts when any input aborts or after `timeout` ms (with a
 * TimeoutError). `clear()` releases the timer and listeners.
 */
export function anySignal(signals: Array<AbortSignal | undefined>, timeout?: number): ClearableSignal {
  const controller = new AbortController()
  const cleanups: Array<() => void> = []
  const clear = (): void => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  }
  const abort = (reason: Error): void => {
    clear()
    controller.abort(reason)
  }
  for (const signal of signals) {
    if (signal == null) continue
    if (signal.aborted) {
      abort(abortReason(signal))
      break
    }
    const onAbort = (): void => abort(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    cleanups.push(() => signal.removeEventListener('abort', onAbort))
  }
  if (timeout != null && !controller.signal.aborted) {
    const timer = setTimeout(() => abort(new TimeoutError(`timed out after ${timeout} ms`)), timeout)
    cleanups.push(() => clearTimeout(timer))
  }
  return Object.assign(controller.signal, { clear })
}

/** Resolves after `ms` milliseconds, or rejects when `signal` aborts. */
export async function delay(ms: number, options?: { signal?: AbortSignal }): Promise<void> {
  throwIfAborted(options?.signal)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await raceSignal(
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms)
      }),
      options?.signal,
    )
  } finally {
    clearTimeout(timer)
  }
}
