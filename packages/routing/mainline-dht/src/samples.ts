/**
 * BEP51 "DHT Infohash Indexing": `sample_infohashes` answers with a random
 * sample of the infohashes in our peer store, how many we hold (`num`) and
 * how long to wait before asking again (`interval`). The sample is drawn once
 * per interval, so a flood of queries costs a lookup in a cache.
 */
import { ID_LENGTH } from './address.js'
import { bytesArg, closestNodes, type HandlerContext } from './handlers.js'
import type { QueryHandler } from './options.js'

export interface SamplesInit {
  /** Seconds between fresh samples, sent as `interval` (default 60; BEP51: at most 21 600). */
  interval?: number
  /** Infohashes per sample (default 20, which keeps the answer in one datagram). */
  maxSamples?: number
  now?: () => number
}

export const MAX_INTERVAL = 21_600

export class InfohashSampler {
  private sample = new Uint8Array(0)
  private count = 0
  private drawnAt = Number.NEGATIVE_INFINITY
  readonly interval: number
  private readonly maxSamples: number
  private readonly now: () => number

  constructor(
    private readonly infohashes: () => string[],
    init: SamplesInit = {},
  ) {
    this.interval = Math.min(Math.max(Math.floor(init.interval ?? 60), 0), MAX_INTERVAL)
    this.maxSamples = init.maxSamples ?? 20
    this.now = init.now ?? Date.now
  }

  /** The current sample (concatenated 20-byte infohashes) and the number held. */
  current(): { samples: Uint8Array; num: number } {
    const now = this.now()
    if (now - this.drawnAt >= this.interval * 1000) {
      const all = this.infohashes()
      // a partial Fisher–Yates shuffle picks maxSamples without bias
      const picked = Math.min(this.maxSamples, all.length)
      for (let index = 0; index < picked; index++) {
        const other = index + Math.floor(Math.random() * (all.length - index))
        ;[all[index], all[other]] = [all[other] as string, all[index] as string]
      }
      this.sample = new Uint8Array(picked * ID_LENGTH)
      for (let index = 0; index < picked; index++)
        this.sample.set(Buffer.from(all[index] as string, 'hex'), index * ID_LENGTH)
      this.count = all.length
      this.drawnAt = now
    }
    return { samples: this.sample, num: this.count }
  }
}

export function sampleHandler(context: HandlerContext, sampler: InfohashSampler): QueryHandler {
  return (query, from) => {
    const target = bytesArg(query, 'target', ID_LENGTH)
    const { samples, num } = sampler.current()
    return { ...closestNodes(context, target, query, from), interval: sampler.interval, num, samples }
  }
}

/** Splits a `samples` string into infohashes; a trailing partial entry is ignored. */
export function splitSamples(samples: unknown, max = 1000): Uint8Array[] {
  if (!(samples instanceof Uint8Array)) return []
  const out: Uint8Array[] = []
  for (let offset = 0; offset + ID_LENGTH <= samples.length && out.length < max; offset += ID_LENGTH)
    out.push(samples.slice(offset, offset + ID_LENGTH))
  return out
}
