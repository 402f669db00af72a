/**
 * The go-libp2p and rust-libp2p anchors: their own `/perf/1.0.0` server and
 * client (`go-peer perf …`, interop/go-peer/perf.go; `rust-peer perf …`,
 * interop/rust-peer/src/perf.rs), built the way the interop runner builds
 * its peers (interop/runner/peers.mjs: a cache outside the clone, rebuilt
 * when a source changes), run as child processes on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export type Anchor = 'go' | 'rust'
export const ANCHORS: readonly Anchor[] = ['go', 'rust']

/** The toolchain each anchor needs; without it the anchor is not run. */
const TOOLCHAIN: Record<Anchor, { command: string; args: string[] }> = {
  go: { command: 'go', args: ['version'] },
  rust: { command: 'cargo', args: ['--version'] },
}

const PERF_MODULES = [
  'github.com/libp2p/go-libp2p',
  'go',
  'libp2p',
  'libp2p-tcp',
  'libp2p-noise',
  'libp2p-yamux',
  'libp2p-stream',
  'rustc',
]

/** What the benchmarks use of interop/runner/peers.mjs (a plain ESM module). */
interface PeersModule {
  PEERS: Record<
    string,
    { command(): { command: string }; versions(): Promise<Record<string, string>> } | undefined
  >
  ensureBuilt(name: string, log: (line: string) => void): Promise<{ built: boolean; seconds: number }>
  goPeerBinary?: (log: (line: string) => void) => Promise<string>
}

export type Prepared =
  | { anchor: Anchor; binary: string; versions: Record<string, string>; buildSeconds: number }
  | { anchor: Anchor; notRun: string }

/** The repository root: this file runs from src/stacks (tests) or dist/src/stacks (the harness). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'interop', 'runner', 'peers.mjs'))) return dir
    dir = dirname(dir)
  }
  throw new Error(`interop/runner/peers.mjs not found above ${fileURLToPath(import.meta.url)}`)
}

async function peersModule(): Promise<PeersModule> {
  const file = join(repoRoot(), 'interop', 'runner', 'peers.mjs')
  return (await import(pathToFileURL(file).href)) as PeersModule
}

/** Why `anchor` cannot be built here, or undefined when its toolchain answers. */
export function missingToolchain(anchor: Anchor): string | undefined {
  const { command, args } = TOOLCHAIN[anchor]
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 })
  if (result.error != null || result.status !== 0) return `\`${command}\` is not available`
  return undefined
}

/**
 * Builds the anchor's binary when missing or out of date (the interop
 * cache), or says why it is not run. A failed build with the toolchain
 * present rejects: that is a failure, not a missing tool.
 */
export async function prepareAnchor(anchor: Anchor, log: (line: string) => void): Promise<Prepared> {
  const missing = missingToolchain(anchor)
  if (missing != null) return { anchor, notRun: missing }
  const peers = await peersModule()
  const peer = peers.PEERS[anchor]
  if (peer == null) throw new Error(`interop/runner/peers.mjs has no ${anchor} peer`)
  const start = performance.now()
  const buildLog = (line: string) => log(`    [${anchor} build] ${line}`)
  // the go peer has a build lock for test files that build it at once; use it when present
  if (anchor === 'go' && peers.goPeerBinary != null) await peers.goPeerBinary(buildLog)
  else await peers.ensureBuilt(anchor, buildLog)
  const binary = peer.command().command
  if (!existsSync(binary)) throw new Error(`the ${anchor} build left no binary at ${binary}`)
  // the modules the perf peers use (the peers' version lists also name their other transports and protocols)
  const versions = Object.fromEntries(
    Object.entries(await peer.versions()).filter(([name]) => PERF_MODULES.includes(name)),
  )
  return { anchor, binary, versions, buildSeconds: (performance.now() - start) / 1000 }
}

/** Arguments of `<binary> perf server`. */
export function serverArgs(timeoutSeconds: number): string[] {
  return ['perf', 'server', '--timeout', String(Math.ceil(timeoutSeconds))]
}

/** Arguments of `<binary> perf client`: one upload-only and one download-only exchange of `bytes`. */
export function clientArgs(server: string, bytes: number, timeoutSeconds: number): string[] {
  return [
    'perf',
    'client',
    '--server',
    server,
    '--upload',
    String(bytes),
    '--download',
    String(bytes),
    '--timeout',
    String(Math.ceil(timeoutSeconds)),
  ]
}
