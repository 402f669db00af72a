/**
 * A light `TypedEventTarget` (the event half of @libp2p/interface's
 * `TypedEventEmitter`) for objects that exist once per connection or stream.
 *
 * `TypedEventEmitter` sits on Node's `EventTarget` and wraps every listener
 * twice: ≈ 650 bytes per emitter and ≈ 600 more per listener, several
 * kilobytes for each idle connection whose layers listen to each other, and a
 * slow native dispatch on every chunk. This one keeps one small entry per
 * listener in an exact-size array and dispatches in JavaScript, with the DOM
 * semantics the stack relies on:
 * - listeners run in the order they were added; adding the same callback
 *   (and capture flag) twice is a no-op;
 * - a listener added during a dispatch is not called by it; one removed
 *   during a dispatch, before its turn, is not called;
 * - `once` and `signal` options; objects with `handleEvent`;
 * - `stopImmediatePropagation()` stops the remaining listeners (seen through
 *   `cancelBubble`, which `stopPropagation()` also sets: nothing bubbles here);
 * - a listener that throws does not stop the others; its error goes to
 *   `onListenerError`, which reports it as uncaught, as Node's `EventTarget`
 *   does. Objects that carry network traffic override it (streams and
 *   connections abort themselves): a listener that throws because of what a
 *   remote peer sent must end that peer's stream, never the process.
 * Unlike a native dispatch, `event.target` stays null.
 */

type Callback = ((evt: never) => void) | { handleEvent(evt: never): void }

interface Entry {
  readonly type: string
  readonly callback: Callback
  readonly capture: boolean
  readonly once: boolean
  signal?: AbortSignal
  onAbort?: () => void
  removed: boolean
}

function captureOf(options?: boolean | EventListenerOptions): boolean {
  return typeof options === 'boolean' ? options : options?.capture === true
}

interface Abortable {
  abort(err: Error): void
}

/**
 * `onListenerError` for objects that carry traffic (streams, connections,
 * muxer sessions): the error ends `owner`, or the new stream a `'stream'`
 * event carried, and is logged; it never reaches the process.
 */
export function endOnListenerError(
  owner: Abortable & { log: { error(format: string, ...args: unknown[]): void } },
  err: unknown,
  event: Event,
): void {
  const error = err instanceof Error ? err : new Error(String(err))
  owner.log.error('a %s listener threw: %s', event.type, error.message)
  const detail = (event as CustomEvent<unknown>).detail
  if (event.type === 'stream' && typeof (detail as Abortable | undefined)?.abort === 'function') {
    ;(detail as Abortable).abort(error)
  } else {
    owner.abort(error)
  }
}

function reportListenerError(err: unknown): void {
  const report = (globalThis as { reportError?: (err: unknown) => void }).reportError
  if (typeof report === 'function') report(err)
  else
    queueMicrotask(() => {
      throw err
    })
}

// biome-ignore lint/suspicious/noExplicitAny: the constraint of @libp2p/interface's TypedEventEmitter (event maps are interfaces)
export class LightEventTarget<EventMap extends Record<string, any>> {
  /** replaced, never mutated, so a dispatch in progress keeps its list */
  private entries: Entry[] = []

  listenerCount(type: string): number {
    let count = 0
    for (const entry of this.entries) if (entry.type === type) count++
    return count
  }

  addEventListener<K extends keyof EventMap>(
    type: K,
    listener: ((evt: EventMap[K]) => void) | { handleEvent(evt: EventMap[K]): void } | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  addEventListener(type: string, listener: Callback | null, options?: boolean | AddEventListenerOptions): void
  addEventListener(
    type: string,
    listener: Callback | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener == null) return
    const capture = captureOf(options)
    for (const entry of this.entries) {
      if (entry.type === type && entry.callback === listener && entry.capture === capture) return
    }
    const signal = typeof options === 'object' ? options.signal : undefined
    if (signal?.aborted === true) return
    const entry: Entry = {
      type,
      callback: listener,
      capture,
      once: typeof options === 'object' && options.once === true,
      removed: false,
    }
    if (signal != null) {
      entry.signal = signal
      entry.onAbort = () => this.removeEntry(entry)
      signal.addEventListener('abort', entry.onAbort, { once: true })
    }
    // copied, not pushed: exact-size arrays (a first push reserves 17 slots), and a
    // dispatch in progress keeps iterating the list it started with
    this.entries = [...this.entries, entry]
  }

  removeEventListener<K extends keyof EventMap>(
    type: K,
    listener?: ((evt: EventMap[K]) => void) | { handleEvent(evt: EventMap[K]): void } | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(
    type: string,
    listener?: Callback | null,
    options?: boolean | EventListenerOptions,
  ): void
  removeEventListener(
    type: string,
    listener?: Callback | null,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener == null) return
    const capture = captureOf(options)
    for (const entry of this.entries) {
      if (entry.type === type && entry.callback === listener && entry.capture === capture) {
        this.removeEntry(entry)
        return
      }
    }
  }

  dispatchEvent(event: Event): boolean {
    const entries = this.entries
    const type = event.type
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      if (entry.type !== type || entry.removed) continue
      if (entry.once) this.removeEntry(entry)
      try {
        const callback = entry.callback as ((evt: Event) => void) | { handleEvent(evt: Event): void }
        if (typeof callback === 'function') callback.call(this, event)
        else callback.handleEvent(event)
      } catch (err) {
        this.onListenerError(err, event)
      }
      if (event.cancelBubble) break
    }
    return !event.defaultPrevented
  }

  /** A listener threw while `event` was dispatched; the default reports the error as uncaught. */
  protected onListenerError(err: unknown, _event: Event): void {
    reportListenerError(err)
  }

  safeDispatchEvent<Detail>(type: keyof EventMap, detail?: CustomEventInit<Detail>): boolean {
    return this.dispatchEvent(new CustomEvent<Detail>(type as string, detail))
  }

  private removeEntry(entry: Entry): void {
    if (entry.removed) return
    entry.removed = true
    if (entry.signal != null && entry.onAbort != null)
      entry.signal.removeEventListener('abort', entry.onAbort)
    this.entries = this.entries.filter((other) => other !== entry)
  }
}
