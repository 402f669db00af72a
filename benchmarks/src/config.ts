/** The two benchmark modes: full (the sizes) and smoke (tiny, for CI). */
import type { Muxer } from './stacks/node.js'

export const CASES = [
  'throughput',
  'setup',
  'streams',
  'memory',
  'cold-start',
  'ping',
  'playground',
  'anchors',
  'transports',
] as const
export type CaseName = (typeof CASES)[number]

export interface BenchConfig {
  mode: 'full' | 'smoke'
  reps: number
  cases: CaseName[]
  muxers: Muxer[]
  /** bytes per upload and per download */
  throughputBytes: number
  setupDials: number
  setupWarmup: number
  proxiedDials: number
  /** one-way delay of the proxy */
  proxyDelayMs: number
  streams: number
  streamsWarmup: number
  pings: number
  pingWarmup: number
  memoryConnections: number
  /** cold starts per stack per repetition */
  coldStarts: number
  /** size of the file the playground case fetches (and of its /perf downloads) */
  playgroundBytes: number
  /** bytes per upload and per download in the transports case (QUIC, TCP + TLS, TCP + Noise) */
  transportBytes: number
  /** idle connections per memory measurement in the transports case */
  transportMemoryConnections: number
  /** `stack-transport` names the transports case runs (e.g. weft-quic); every one when absent */
  transportEntries?: string[]
  /** which of throughput, setup, memory the transports case runs; all when absent */
  transportParts?: string[]
}

export const FULL: BenchConfig = {
  mode: 'full',
  reps: 5,
  cases: [...CASES],
  muxers: ['yamux', 'mplex'],
  throughputBytes: 1024 * 1024 * 1024,
  setupDials: 200,
  setupWarmup: 10,
  proxiedDials: 20,
  proxyDelayMs: 25,
  streams: 1000,
  streamsWarmup: 100,
  pings: 200,
  pingWarmup: 10,
  memoryConnections: 500,
  coldStarts: 2,
  playgroundBytes: 256 * 1024 * 1024,
  transportBytes: 256 * 1024 * 1024,
  transportMemoryConnections: 200,
}

export const SMOKE: BenchConfig = {
  ...FULL,
  mode: 'smoke',
  reps: 1,
  // the go and rust anchors need their toolchains and a build (minutes when cold):
  // test/anchors.test.ts runs them with `--only throughput,anchors`
  cases: CASES.filter((name) => name !== 'anchors'),
  throughputBytes: 1024 * 1024,
  setupDials: 5,
  setupWarmup: 1,
  proxiedDials: 2,
  streams: 20,
  streamsWarmup: 2,
  pings: 5,
  pingWarmup: 1,
  memoryConnections: 100,
  coldStarts: 1,
  playgroundBytes: 4 * 1024 * 1024,
  transportBytes: 1024 * 1024,
  transportMemoryConnections: 20,
}

export interface CliOptions {
  config: BenchConfig
  /** where RESULTS.md, results.json and results.svg go */
  outDir?: string
  /** write CPU profiles of the weft processes here */
  cpuProfDir?: string
}

/** Parses `--smoke`, `--reps N`, `--bytes N`, `--only a,b`, `--transports weft-quic,…`, `--transport-parts throughput,…`, `--out DIR`, `--cpu-prof DIR`. */
export function parseArgs(argv: readonly string[]): CliOptions {
  let config = argv.includes('--smoke') ? { ...SMOKE } : { ...FULL }
  let outDir: string | undefined
  let cpuProfDir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[++i]
      if (next == null) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--smoke' || arg === '--') continue
    else if (arg === '--reps') config = { ...config, reps: positive(value(), arg) }
    else if (arg === '--bytes') {
      const bytes = positive(value(), arg)
      config = { ...config, throughputBytes: bytes, transportBytes: bytes }
    } else if (arg === '--only') {
      const only = value().split(',')
      for (const name of only) {
        if (!(CASES as readonly string[]).includes(name))
          throw new Error(`unknown case ${name}; cases: ${CASES.join(', ')}`)
      }
      config = { ...config, cases: only as CaseName[] }
    } else if (arg === '--transports') config = { ...config, transportEntries: value().split(',') }
    else if (arg === '--transport-parts') config = { ...config, transportParts: value().split(',') }
    else if (arg === '--out') outDir = value()
    else if (arg === '--cpu-prof') cpuProfDir = value()
    else throw new Error(`unknown argument ${arg}`)
  }
  return { config, outDir, cpuProfDir }
}

function positive(text: string, name: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} needs a positive integer, got ${text}`)
  return value
}
