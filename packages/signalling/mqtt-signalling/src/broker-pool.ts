/**
 * Every configured broker together: started and stopped as one, and a
 * message published on each broker connected now. One broker's failure is
 * logged; a publish fails only when every broker failed it.
 */
import type { Logger } from '@libp2p/interface'
import { raceSignal } from '@weft/utils'
import { Broker, type BrokerOptions } from './broker.js'
import { NoBrokerError } from './errors.js'

export interface BrokerPoolOptions extends Omit<BrokerOptions, 'url' | 'onConnect' | 'onDisconnect'> {
  onConnect(url: string): void
  onDisconnect(url: string, error?: Error): void
}

export class BrokerPool {
  private brokers: Broker[] = []

  constructor(private readonly log: Logger) {}

  /** The URLs of the brokers connected now. */
  get connected(): string[] {
    return this.brokers.filter((broker) => broker.connected).map((broker) => broker.url)
  }

  get anyConnected(): boolean {
    return this.brokers.some((broker) => broker.connected)
  }

  /** Creates a broker per URL and starts each; they keep reconnecting until `stop()`. */
  start(urls: readonly string[], options: BrokerPoolOptions): void {
    this.brokers = urls.map(
      (url) =>
        new Broker({
          ...options,
          url,
          onConnect: () => options.onConnect(url),
          onDisconnect: (error) => options.onDisconnect(url, error),
        }),
    )
    for (const broker of this.brokers) broker.start()
  }

  /** Resolves when the first broker is ready, after `timeout` ms, or on `signal`. */
  async waitReady(timeout: number, signal: AbortSignal): Promise<void> {
    await Promise.race(this.brokers.map(async (broker) => broker.waitReady(timeout, signal)))
  }

  async stop(): Promise<void> {
    await Promise.all(this.brokers.map(async (broker) => broker.stop()))
    this.brokers = []
  }

  /**
   * Publishes `bytes` to `topic` on every connected broker. Resolves once
   * each has answered and one took it; `NoBrokerError` when none is connected.
   */
  async publish(topic: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    const brokers = this.brokers.filter((broker) => broker.connected)
    if (brokers.length === 0)
      throw new NoBrokerError(`none of the ${this.brokers.length} brokers is connected`)
    // each publish is bounded by publishTimeout; the caller's signal may end the wait sooner
    const results = await raceSignal(
      Promise.allSettled(brokers.map(async (broker) => broker.publish(topic, bytes))),
      signal,
    )
    const failures = results
      .filter((result) => result.status === 'rejected')
      .map((result) => result.reason as Error)
    if (failures.length === results.length)
      throw failures.length === 1
        ? failures[0]
        : new AggregateError(failures, 'every broker failed the publish')
    for (const failure of failures) this.log('a broker failed a publish: %s', failure.message)
  }
}
