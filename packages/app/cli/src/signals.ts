/**
 * SIGINT and SIGTERM as an AbortSignal, so a long command (chat, share, get,
 * a crawl) ends cleanly: it stops its node and returns its exit code instead
 * of being killed half-way. `dispose()` removes the listeners.
 */
export interface StopSignal {
  readonly signal: AbortSignal
  /** the signal's name once one arrived */
  readonly received: NodeJS.Signals | undefined
  /** resolves when a signal arrives */
  readonly stopped: Promise<void>
  dispose(): void
}

export function stopSignal(): StopSignal {
  const controller = new AbortController()
  let received: NodeJS.Signals | undefined
  let resolveStopped: () => void = () => {}
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve
  })
  const onSignal = (name: NodeJS.Signals): void => {
    received ??= name
    controller.abort(new Error(`stopped by ${name}`))
    resolveStopped()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    get received() {
      return received
    },
    stopped,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
