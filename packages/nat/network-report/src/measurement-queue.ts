/**
 * When the NAT and TURN are measured: one measurement at a time; a request
 * during one runs once after it; after each, a re-check on a single timer.
 * `stop()` clears the timer and waits for the measurement in flight.
 */
import type { Logger } from '@libp2p/interface'

export interface MeasurementQueueInit {
  /** one measurement */
  run(signal?: AbortSignal): Promise<void>
  /** ms from the end of one measurement to the next */
  recheckInterval: number
  log: Logger
}

export class MeasurementQueue {
  private running = false
  private measuring?: Promise<void>
  private again = false
  private recheckTimer?: ReturnType<typeof setTimeout>

  constructor(private readonly init: MeasurementQueueInit) {}

  /** Whether a measurement runs now. */
  get busy(): boolean {
    return this.measuring != null
  }

  start(): void {
    this.running = true
  }

  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.recheckTimer)
    this.recheckTimer = undefined
    await this.measuring?.catch(() => {})
    this.measuring = undefined
    this.again = false
  }

  /** A measurement soon: now, or once after the one in flight. */
  request(): void {
    if (!this.running) return
    if (this.measuring != null) {
      this.again = true
      return
    }
    void this.measure().catch((err: Error) => this.init.log.error('measuring failed: %s', err.message))
  }

  /** One NAT and TURN measurement, after the one in flight (if any) has ended. */
  async measure(signal?: AbortSignal): Promise<void> {
    while (this.measuring != null) await this.measuring.catch(() => {})
    if (!this.running) return
    clearTimeout(this.recheckTimer)
    const run = this.init.run(signal).finally(() => {
      if (this.measuring === run) this.measuring = undefined
      if (!this.running) return
      if (this.again) {
        this.again = false
        this.request()
      } else {
        clearTimeout(this.recheckTimer)
        this.recheckTimer = setTimeout(() => this.request(), this.init.recheckInterval)
      }
    })
    this.measuring = run
    return run
  }
}
