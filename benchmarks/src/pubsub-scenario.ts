/**
 * The pubsub benchmark scenario, stack-agnostic and pure: a seeded random
 * sparse topology (a random spanning tree plus extra random links), a
 * schedule of publishers, and the statistics (delivery ratio, latency
 * percentiles, duplicates per delivered message). Both stacks replay the same
 * seed, so they see the same graph and publishers.
 */

export interface ScenarioConfig {
  hosts: number
  messages: number
  /** extra random links each host dials beyond the spanning tree */
  extraLinks: number
  /** ms between two publishes */
  interval: number
  /** payload bytes per message (at least 8) */
  size: number
  seed: number
  /** ms to wait for stragglers after the last publish */
  drain: number
}

export const DEFAULT_SCENARIO: ScenarioConfig = {
  hosts: 100,
  messages: 1000,
  extraLinks: 2,
  interval: 20,
  size: 1024,
  seed: 20261125,
  drain: 30_000,
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Undirected links [dialer, listener], connected, without duplicates or self-links. */
export function topology(
  config: Pick<ScenarioConfig, 'hosts' | 'extraLinks' | 'seed'>,
): Array<[number, number]> {
  const random = prng(config.seed)
  const links: Array<[number, number]> = []
  const seen = new Set<string>()
  const add = (a: number, b: number): boolean => {
    if (a === b) return false
    const key = a < b ? `${a}-${b}` : `${b}-${a}`
    if (seen.has(key)) return false
    seen.add(key)
    links.push([a, b])
    return true
  }
  for (let i = 1; i < config.hosts; i++) add(i, Math.floor(random() * i))
  for (let i = 0; i < config.hosts; i++) {
    for (let tries = 0, added = 0; added < config.extraLinks && tries < 20; tries++) {
      if (add(i, Math.floor(random() * config.hosts))) added++
    }
  }
  return links
}

/** The publisher of each message. */
export function publishers(config: Pick<ScenarioConfig, 'hosts' | 'messages' | 'seed'>): number[] {
  const random = prng(config.seed ^ 0x5eed)
  return Array.from({ length: config.messages }, () => Math.floor(random() * config.hosts))
}

/** Message payload: index (4 bytes BE), then filler. */
export function payload(index: number, size: number): Uint8Array {
  const out = new Uint8Array(Math.max(8, size))
  new DataView(out.buffer).setUint32(0, index, false)
  out.fill(index & 0xff, 4)
  return out
}

export function payloadIndex(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, false)
}

export interface RunMeasurements {
  hosts: number
  messages: number
  /** latencies (ms) of every delivery to a host other than the publisher */
  latencies: number[]
  /** deliveries expected: messages × (hosts − 1) */
  expected: number
  /** message copies the hosts received in all (first copies included) */
  copiesReceived: number
  /** ms from start of publishing to the last delivery */
  elapsed: number
}

export interface PubSubStats {
  deliveryRatio: number
  p50: number
  p99: number
  max: number
  duplicatesPerDelivery: number
  deliveries: number
  expected: number
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}

export function summarize(run: RunMeasurements): PubSubStats {
  const sorted = run.latencies.slice().sort((a, b) => a - b)
  const deliveries = sorted.length
  return {
    deliveryRatio: run.expected === 0 ? 1 : deliveries / run.expected,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
    // every delivered message arrived once as a first copy; the rest are duplicates
    duplicatesPerDelivery: deliveries === 0 ? 0 : Math.max(0, run.copiesReceived - deliveries) / deliveries,
    deliveries,
    expected: run.expected,
  }
}
