/**
 * An honest peer's pings during an attack: one ping at a time every
 * `interval` ms until `stop()`. The wait of each ping is measured here, so a
 * ping stuck behind a stalled event loop counts for its whole stall. Used in
 * the test process (harness.ts `pingWhile`) and in a process of its own
 * (honest-program.ts).
 */

/** What an honest peer saw while it pinged. */
export interface PingReport {
  /** round trips of the pings that succeeded, ms */
  rtts: number[]
  /** pings that failed or took longer than 5 s */
  failures: number
  /** the longest wait seen, ms: a failed ping counts as its full wait */
  max: number
  /** why pings failed: the first few distinct messages */
  errors: string[]
}

export function pingLoop(
  ping: (signal: AbortSignal) => Promise<unknown>,
  interval: number,
): { stop(): Promise<PingReport> } {
  const rtts: number[] = []
  const errors = new Set<string>()
  let failures = 0
  let max = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        await ping(AbortSignal.timeout(5_000))
        rtts.push(performance.now() - started)
      } catch (err) {
        failures++
        if (errors.size < 5) errors.add(`${(err as Error).name}: ${(err as Error).message}`)
      }
      max = Math.max(max, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, interval))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { rtts, failures, max, errors: [...errors] }
    },
  }
}
