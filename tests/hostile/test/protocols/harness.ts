/**
 * The harness of the protocol-level hostile tests: a host under attack in a
 * child process (target-program.ts, bundled from the sources), and weft
 * hosts in this process that attack it or stand for an honest peer.
 *
 * The target runs apart so that a crash is seen as an exit, not as the test
 * runner's own death, and so that its memory and its event loop are measured
 * alone: an honest peer's ping round trips are the event loop's latency.
 */
import { fileURLToPath } from 'node:url'
import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { peerIdFromString } from '@weft/peer-id'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { bundleScript, type NamespaceProcess, spawnProgram } from '@weft/testkit'
import { yamux } from '@weft/yamux'
import { afterAll, beforeAll } from 'vitest'
import { type PingReport, pingLoop } from './ping-loop.js'
import type { TargetConfig, TargetEvent } from './target-config.js'

export type { PingReport } from './ping-loop.js'
export type { TargetConfig, TargetEvent } from './target-config.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))

export interface Memory {
  rss: number
  heapUsed: number
  arrayBuffers: number
  external: number
  /** gossipsub messages the target delivered to its own subscription to 'hostile' */
  delivered: number
}

/** What the target holds at one moment, read without a GC (`Target.usage`). */
export interface Usage {
  rss: number
  heapUsed: number
  connections: number
  /** streams open on all its connections */
  streams: number
  /** circuit relay reservations it holds */
  reservations: number
}

export interface Target {
  peerId: PeerId
  address: Multiaddr
  /** every line the target printed */
  events: TargetEvent[]
  /** the target's memory after a forced GC */
  memory(): Promise<Memory>
  /** what the target holds now, without a GC: cheap enough to sample during an attack */
  usage(): Promise<Usage>
  /** uncaught exceptions and unhandled rejections the target reported */
  processErrors(): TargetEvent[]
  /** whether the target process has exited */
  exited(): boolean
  /** addresses the target tried to dial, as its connection gater saw them */
  dials(): string[]
  stop(): Promise<void>
}

let bundle: { file: string; remove(): void } | undefined
let targets = 0

/** Starts the host under attack in a child process. */
export async function startTarget(config: TargetConfig = {}): Promise<Target> {
  // datastore-level is loaded only for a LevelDB store, which the target does not use
  bundle ??= bundleScript(fileURLToPath(new URL('./target-program.ts', import.meta.url)), {
    root,
    external: ['datastore-level'],
  })
  targets++
  const child: NamespaceProcess<TargetEvent> = spawnProgram<TargetEvent>(
    ['--expose-gc', bundle.file, JSON.stringify(config)],
    { cwd: root, label: 'host under attack' },
  )
  const ready = await child.waitFor((event) => event.event === 'ready', 20_000)
  if (ready.event !== 'ready') throw new Error('unreachable')
  const tcpAddress = ready.addrs.find(
    (address) => address.includes('/tcp/') && !address.includes('/p2p-circuit'),
  )
  if (tcpAddress == null) throw new Error(`the target listens on no TCP address: ${ready.addrs.join(', ')}`)
  let requests = 0
  let stopped = false
  return {
    peerId: peerIdFromString(ready.peerId),
    address: multiaddr(tcpAddress),
    events: child.events,
    async memory() {
      const id = ++requests
      child.send(`memory ${id}`)
      const event = await child.waitFor((e) => e.event === 'memory' && e.id === id, 10_000)
      if (event.event !== 'memory') throw new Error('unreachable')
      const { rss, heapUsed, arrayBuffers, external, delivered } = event
      return { rss, heapUsed, arrayBuffers, external, delivered }
    },
    async usage() {
      const id = ++requests
      child.send(`usage ${id}`)
      const event = await child.waitFor((e) => e.event === 'usage' && e.id === id, 10_000)
      if (event.event !== 'usage') throw new Error('unreachable')
      const { rss, heapUsed, connections, streams, reservations } = event
      return { rss, heapUsed, connections, streams, reservations }
    },
    processErrors: () =>
      child.events.filter((e) => e.event === 'uncaughtException' || e.event === 'unhandledRejection'),
    exited: () => child.exitCode() !== undefined,
    dials: () => child.events.flatMap((e) => (e.event === 'dial' ? [e.address] : [])),
    async stop() {
      if (stopped) return
      stopped = true
      await child.stop()
      if (--targets === 0) {
        bundle?.remove()
        bundle = undefined
      }
    },
  }
}

/**
 * The target of a test file: started before its tests, stopped after them
 * (with every peer `startPeer` made). Call at the top of the file; the
 * getter returns the running target.
 */
export function useTarget(config: TargetConfig = {}): () => Target {
  let target: Target | undefined
  beforeAll(async () => {
    target = await startTarget(config)
  }, 30_000)
  afterAll(async () => {
    await stopPeers()
    await Promise.all([...apart].map(async (child) => child.stop()))
    apart.clear()
    honestBundle?.remove()
    honestBundle = undefined
    await target?.stop()
  }, 30_000)
  return () => {
    if (target == null) throw new Error('the target has not started')
    return target
  }
}

export const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export type Peer = Host<{
  ping: { ping(peer: PeerId | Multiaddr, options?: { signal?: AbortSignal }): Promise<number> }
}>

const peers = new Set<Host>()

/** A weft host in this process (TCP, Noise, yamux, identify, ping), listening on 127.0.0.1. */
export async function startPeer(): Promise<Peer> {
  const host = (await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })) as unknown as Peer
  await host.start()
  peers.add(host)
  return host
}

/** Stops every peer `startPeer` made. */
export async function stopPeers(): Promise<void> {
  const all = [...peers]
  peers.clear()
  await Promise.all(all.map(async (host) => host.stop()))
}

/**
 * Pings `target` every `interval` ms, one ping at a time, until `stop()`
 * (ping-loop.ts).
 */
export function pingWhile(peer: Peer, target: Target, interval = 50): { stop(): Promise<PingReport> } {
  return pingLoop((signal) => peer.services.ping.ping(target.peerId, { signal }), interval)
}

type HonestEvent = { event: 'ready' } | ({ event: 'report' } & PingReport)

let honestBundle: { file: string; remove(): void } | undefined
const apart = new Set<NamespaceProcess<HonestEvent>>()

/**
 * Like `pingWhile`, from an honest peer in a process of its own
 * (honest-program.ts): its round trips are the target's latency, not the
 * test process's, which the attackers keep busy. Stopped by `stop()` or,
 * at the latest, with the target's file (`useTarget`).
 */
export async function pingApart(target: Target, interval = 50): Promise<{ stop(): Promise<PingReport> }> {
  honestBundle ??= bundleScript(fileURLToPath(new URL('./honest-program.ts', import.meta.url)), {
    root,
    external: ['datastore-level'],
  })
  const child = spawnProgram<HonestEvent>([honestBundle.file, target.address.toString(), String(interval)], {
    cwd: root,
    label: 'honest peer',
  })
  apart.add(child)
  await child.waitFor((event) => event.event === 'ready', 10_000)
  return {
    async stop() {
      child.send('stop')
      const event = await child.waitFor((e) => e.event === 'report', 10_000)
      await child.stop()
      apart.delete(child)
      if (event.event !== 'report') throw new Error('unreachable')
      const { rtts, failures, max, errors } = event
      return { rtts, failures, max, errors }
    },
  }
}

/**
 * How many of `count` new peers connect to `target` and ping it within
 * `timeout` ms each; they are stopped afterwards. They dial one after
 * another: the host admits few pending upgrades from one address (3 by
 * default), and every peer here dials from 127.0.0.1.
 */
export async function freshDials(target: Target, count: number, timeout = 5_000): Promise<number> {
  let served = 0
  for (let i = 0; i < count; i++) {
    const peer = await startPeer()
    peers.delete(peer)
    try {
      await peer.services.ping.ping(target.address, { signal: AbortSignal.timeout(timeout) })
      served++
    } catch {
      // counted as not served
    } finally {
      await peer.stop()
    }
  }
  return served
}

export const MiB = 1024 * 1024

/**
 * The target's memory once its RSS is back within `bound` bytes of
 * `baseline`, polled after a GC every 500 ms for up to `ms`; the last
 * reading when it never gets there (the caller's assertion then fails with
 * it). Freed memory reaches the OS in steps, not at the first GC.
 */
export async function memoryReturned(
  target: Target,
  baseline: Memory,
  bound = 50 * MiB,
  ms = 10_000,
): Promise<Memory> {
  const deadline = Date.now() + ms
  let memory = await target.memory()
  while (memory.rss - baseline.rss >= bound && Date.now() < deadline) {
    await sleep(500)
    memory = await target.memory()
  }
  return memory
}

/** The highest of each figure `sampleWhile` read, and how many samples it took. */
export interface UsagePeak extends Usage {
  samples: number
}

/**
 * Reads the target's usage every `interval` ms until `stop()`, keeping the
 * highest of each figure: the RSS an attack drives the target to is seen
 * while it lasts, not only after the attackers left.
 */
export function sampleWhile(target: Target, interval = 200): { stop(): Promise<UsagePeak> } {
  const peak: UsagePeak = { rss: 0, heapUsed: 0, connections: 0, streams: 0, reservations: 0, samples: 0 }
  let running = true
  const loop = (async () => {
    while (running) {
      const usage = await target.usage()
      for (const key of ['rss', 'heapUsed', 'connections', 'streams', 'reservations'] as const) {
        peak[key] = Math.max(peak[key], usage[key])
      }
      peak.samples++
      await sleep(interval)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return peak
    },
  }
}

/** The `p`-th percentile (0–100, nearest rank) of `values`; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

/** One line for the log: how many pings, p50, p99 and the longest wait. */
export function describePings(report: PingReport): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`
  return (
    `${report.rtts.length} pings ok, ${report.failures} failed, p50 ${ms(percentile(report.rtts, 50))}, ` +
    `p99 ${ms(percentile(report.rtts, 99))}, max ${ms(report.max)}` +
    (report.errors.length > 0 ? `; errors: ${report.errors.join(' | ')}` : '')
  )
}

/**
 * The target's usage once `done` holds for it, polled every 100 ms for up to
 * `ms`; the last reading when it never does (the caller's assertion then
 * fails with it).
 */
export async function usageWhen(target: Target, done: (usage: Usage) => boolean, ms = 5_000): Promise<Usage> {
  const deadline = Date.now() + ms
  let usage = await target.usage()
  while (!done(usage) && Date.now() < deadline) {
    await sleep(100)
    usage = await target.usage()
  }
  return usage
}
