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
import type { TargetConfig, TargetEvent } from './target-config.js'

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

export interface Target {
  peerId: PeerId
  address: Multiaddr
  /** every line the target printed */
  events: TargetEvent[]
  /** the target's memory after a forced GC */
  memory(): Promise<Memory>
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

export interface PingReport {
  /** round trips of the pings that succeeded, in order, ms */
  rtts: number[]
  /** pings that failed or took longer than 5 s */
  failures: number
  /** the longest wait seen, ms: a failed ping counts as its full wait */
  max: number
}

/**
 * Pings `target` every `interval` ms, one ping at a time, until `stop()`.
 * The wait of each ping is measured here, so a ping stuck behind a stalled
 * event loop counts for its whole stall.
 */
export function pingWhile(peer: Peer, target: Target, interval = 50): { stop(): Promise<PingReport> } {
  const rtts: number[] = []
  let failures = 0
  let max = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        await peer.services.ping.ping(target.peerId, { signal: AbortSignal.timeout(5_000) })
        rtts.push(performance.now() - started)
      } catch {
        failures++
      }
      max = Math.max(max, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, interval))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { rtts, failures, max }
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
