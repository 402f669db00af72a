/**
 * Republishing of the records this node put (libp2p/specs kad-dht/README.md,
 * "Value storage and retrieval"; the Kademlia paper's hourly republish by the
 * originator): every `interval` each record is re-put, one at a time, so it
 * is renewed where it is stored and reaches peers that joined since. Only
 * the publisher does this; peers storing records for others let them expire.
 * At most `maxRecords` are tracked: past it `track` throws `DHTLimitError`.
 * One timer, unref'd, cleared on stop; a round still running when the next
 * is due goes on alone.
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import { base32 } from 'multiformats/bases/base32'
import { DHTLimitError, InvalidRecordError } from './errors.js'
import { keyLabel } from './key-label.js'

export interface RecordRepublisherInit {
  /** ms between rounds; 0 turns republishing off (nothing is tracked) */
  interval: number
  /** records tracked at most */
  maxRecords: number
  /** puts one record again: validates, stores locally, sends to the k closest */
  reput(key: Uint8Array, value: Uint8Array, options: AbortOptions): Promise<void>
  /** the signal that aborts when the DHT stops (a new one each time it starts) */
  stopSignal(): AbortSignal
  isStarted(): boolean
  log: Logger
}

export class RecordRepublisher {
  /** by base32 key */
  private readonly records = new Map<string, { key: Uint8Array; value: Uint8Array }>()
  private timer?: ReturnType<typeof setInterval>
  private running = false

  constructor(private readonly init: RecordRepublisherInit) {}

  /** Records tracked. */
  get size(): number {
    return this.records.size
  }

  /** Remembers `value` as ours under `key` (replacing an earlier one); throws `DHTLimitError` at the cap. */
  track(key: Uint8Array, value: Uint8Array): void {
    const { interval, maxRecords } = this.init
    if (interval === 0) return
    const id = base32.baseEncode(key)
    if (!this.records.has(id) && this.records.size >= maxRecords) {
      throw new DHTLimitError(
        `already republishing ${maxRecords} records, the limit (cancelRepublish frees one)`,
      )
    }
    this.records.set(id, { key: key.slice(), value: value.slice() })
  }

  cancel(key: Uint8Array): void {
    this.records.delete(base32.baseEncode(key))
  }

  start(): void {
    if (this.init.interval === 0 || this.timer != null) return
    this.timer = setInterval(() => {
      void this.round()
    }, this.init.interval)
    this.timer.unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Re-puts every tracked record once; returns how many went out. A record its validator now rejects is dropped. */
  async round(): Promise<number> {
    if (this.running) return 0
    this.running = true
    let renewed = 0
    try {
      for (const [id, { key, value }] of [...this.records]) {
        if (!this.init.isStarted()) break
        try {
          await this.init.reput(key, value, { signal: this.init.stopSignal() })
          renewed++
        } catch (err) {
          if (err instanceof InvalidRecordError) {
            this.records.delete(id)
            this.init.log('republish %s: dropped, its validator now rejects it: %e', keyLabel(key), err)
          }
          // any other failure: the next round tries again
        }
      }
    } finally {
      this.running = false
    }
    this.init.log('republished %d of %d records', renewed, this.records.size)
    return renewed
  }
}
