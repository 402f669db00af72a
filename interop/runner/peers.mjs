/**
 * The peers of the matrix: what each supports, how to build it, how to run
 * it, and which exact versions it is made of. The matrix is every
 * combination two peers both list; a peer program maps the `transport`
 * variable to its stack's transport (tcp and ws today).
 *
 * Builds live in a cache outside the clone: `$WEFT_INTEROP_CACHE`, else
 * `${XDG_CACHE_HOME:-$HOME/.cache}/weft-interop`. A build runs when its
 * artifact is missing or its inputs changed (a hash of them is kept beside
 * the artifact); its duration is recorded in `build-times.json` there, and a
 * build that started without an artifact counts as the cold build.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CACHE =
  process.env.WEFT_INTEROP_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weft-interop')

const GO_DIR = join(ROOT, 'interop', 'go-peer')
const RUST_DIR = join(ROOT, 'interop', 'rust-peer')
const PY_DIR = join(ROOT, 'interop', 'py-peer')
const JS_DIR = join(ROOT, 'interop', 'js-libp2p')
const GO_BIN = join(CACHE, 'go', 'go-peer')
const RUST_TARGET = join(CACHE, 'rust-target')
const RUST_BIN = join(RUST_TARGET, 'release', 'rust-peer')
const PY_VENV = join(CACHE, 'py-venv')
const PY_BIN = join(PY_VENV, 'bin', 'python')
// the Go build cache lives beside the binary, so a cold build is measurable and CI keeps it warm
const GO_ENV = { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', GOCACHE: join(CACHE, 'go', 'build-cache') }

/**
 * @typedef {object} Peer
 * @property {string[]} transports
 * @property {string[]} securities
 * @property {string[]} muxers
 * @property {string[]} inputs files whose content decides whether to rebuild
 * @property {string | undefined} artifact what the build makes (absent: always "built")
 * @property {(log: (line: string) => void) => Promise<void>} build
 * @property {() => { command: string, args: string[], env?: Record<string, string> }} command
 * @property {() => Promise<Record<string, string>>} versions
 */

/** @type {Record<string, Peer>} */
export const PEERS = {
  weft: {
    transports: ['tcp', 'ws', 'quic-v1'],
    securities: ['noise', 'tls'],
    muxers: ['yamux', 'mplex'],
    inputs: [],
    artifact: undefined,
    // `pnpm interop` runs `tsc -b` first; this keeps `node interop/runner/run.mjs` alone working
    build: (log) =>
      exec(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b', 'interop/weft-peer'], { cwd: ROOT, log }),
    command: () => ({
      command: process.execPath,
      args: [join(ROOT, 'interop', 'weft-peer', 'dist', 'src', 'peer.js')],
    }),
    versions: async () => ({
      weft: `${packageVersion(join(ROOT, 'packages', 'host', 'host'))} (${await gitRevision()})`,
      node: process.version,
    }),
  },
  js: {
    transports: ['tcp', 'ws', 'quic-v1'],
    securities: ['noise', 'tls'],
    muxers: ['yamux', 'mplex'],
    inputs: [],
    artifact: undefined,
    build: async () => {
      if (!existsSync(join(JS_DIR, 'node_modules', 'libp2p')))
        throw new Error('js-libp2p is not installed: run pnpm install')
    },
    command: () => ({
      command: process.execPath,
      args: [
        '--import',
        join(ROOT, 'interop', 'polyfill.mjs'),
        '--experimental-websocket',
        join(JS_DIR, 'peer.mjs'),
      ],
    }),
    versions: async () => {
      const out = {}
      for (const name of [
        'libp2p',
        '@chainsafe/libp2p-noise',
        '@chainsafe/libp2p-yamux',
        '@libp2p/mplex',
        '@libp2p/tls',
        '@chainsafe/libp2p-quic',
        '@libp2p/tcp',
        '@libp2p/websockets',
        '@libp2p/identify',
        '@libp2p/ping',
      ]) {
        out[name] = packageVersion(join(JS_DIR, 'node_modules', name))
      }
      return out
    },
  },
  go: {
    transports: ['tcp', 'ws', 'quic-v1'],
    securities: ['noise', 'tls'],
    // go-libp2p removed mplex in v0.30
    muxers: ['yamux'],
    // every Go file of the package (main.go, the agent, perf.go, ...), listed when asked
    get inputs() {
      return [join(GO_DIR, 'go.mod'), join(GO_DIR, 'go.sum'), ...goSources()]
    },
    artifact: GO_BIN,
    build: (log) =>
      exec('nice', ['-n', '10', 'go', 'build', '-trimpath', '-o', GO_BIN, '.'], {
        cwd: GO_DIR,
        env: GO_ENV,
        log,
      }),
    command: () => ({ command: GO_BIN, args: [] }),
    versions: async () => ({
      'github.com/libp2p/go-libp2p': goRequire('github.com/libp2p/go-libp2p'),
      go: (await capture('go', ['env', 'GOVERSION'], { env: GO_ENV })).trim(),
    }),
  },
  rust: {
    transports: ['tcp', 'ws', 'quic-v1'],
    securities: ['noise', 'tls'],
    muxers: ['yamux', 'mplex'],
    // every Rust source (main.rs, config.rs, report.rs, perf.rs, …), listed when asked; the one
    // binary serves both the matrix and `rust-peer perf` (the benchmarks' anchor)
    get inputs() {
      const sources = readdirSync(join(RUST_DIR, 'src'), { recursive: true })
        .map(String)
        .filter((name) => name.endsWith('.rs'))
        .sort()
        .map((name) => join(RUST_DIR, 'src', name))
      return [join(RUST_DIR, 'Cargo.toml'), join(RUST_DIR, 'Cargo.lock'), ...sources]
    },
    artifact: RUST_BIN,
    build: (log) =>
      exec('nice', ['-n', '10', 'cargo', 'build', '--release', '--locked', '-j', '2'], {
        cwd: RUST_DIR,
        env: { CARGO_TARGET_DIR: RUST_TARGET },
        log,
      }),
    command: () => ({ command: RUST_BIN, args: [] }),
    versions: async () => {
      const out = {}
      for (const name of [
        'libp2p',
        'libp2p-mplex',
        'libp2p-noise',
        'libp2p-tls',
        'libp2p-yamux',
        'libp2p-tcp',
        'libp2p-websocket',
        'libp2p-quic',
        'libp2p-identify',
        'libp2p-ping',
        'libp2p-stream',
      ]) {
        out[name] = cargoLockVersion(name)
      }
      out.rustc = (await capture('rustc', ['--version'])).trim()
      return out
    },
  },
  py: {
    transports: ['tcp', 'ws', 'quic-v1'],
    securities: ['noise', 'tls'],
    muxers: ['yamux', 'mplex'],
    inputs: [join(PY_DIR, 'requirements.txt'), join(PY_DIR, 'constraints.txt')],
    artifact: PY_BIN,
    build: async (log) => {
      if (!existsSync(PY_BIN)) await exec('python3', ['-m', 'venv', PY_VENV], { cwd: PY_DIR, log })
      await exec(
        PY_BIN,
        [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          '-r',
          'requirements.txt',
          '-c',
          'constraints.txt',
        ],
        {
          cwd: PY_DIR,
          env: { MAKEFLAGS: '-j2' },
          log,
        },
      )
    },
    command: () => ({ command: PY_BIN, args: [join(PY_DIR, 'peer.py')], env: { PYTHONUNBUFFERED: '1' } }),
    versions: async () => ({
      libp2p: (
        await capture(PY_BIN, ['-c', "import importlib.metadata as m; print(m.version('libp2p'))"])
      ).trim(),
      python: (await capture(PY_BIN, ['--version'])).trim(),
    }),
  },
}

/**
 * Builds `name` when its artifact is missing or its inputs changed, and
 * records the time. Returns what happened.
 * @returns {Promise<{ built: boolean, cold: boolean, seconds: number }>}
 */
export async function ensureBuilt(name, log) {
  const peer = PEERS[name]
  const stampFile = join(CACHE, 'stamps', `${name}.sha256`)
  const stamp = inputHash(peer.inputs)
  const hasArtifact = peer.artifact == null || existsSync(peer.artifact)
  const upToDate = peer.artifact != null && hasArtifact && readOr(stampFile, '') === stamp
  if (upToDate) return { built: false, cold: false, seconds: 0 }
  const start = performance.now()
  await peer.build(log)
  const seconds = (performance.now() - start) / 1000
  mkdirSync(dirname(stampFile), { recursive: true })
  writeFileSync(stampFile, stamp)
  const cold = peer.artifact != null && !hasArtifact
  if (peer.artifact != null) recordBuildTime(name, seconds, cold)
  return { built: true, cold, seconds }
}

/** The Go package's source files (tests excluded), sorted so the input hash is stable. */
function goSources() {
  return readdirSync(GO_DIR)
    .filter((name) => name.endsWith('.go') && !name.endsWith('_test.go'))
    .sort()
    .map((name) => join(GO_DIR, name))
}

const GO_LOCK = join(CACHE, 'go', 'build.lock')
// a lock older than this is left over from a build that died
const GO_LOCK_STALE_MS = 15 * 60_000
const GO_LOCK_WAIT_MS = 20 * 60_000

/**
 * The go peer's binary (`go-peer`; `go-peer agent` is the JSON-lines agent the
 * protocol interop tests drive), built first when missing or out of date.
 * Test files running at once in several processes build it once: a lock file
 * beside the binary serialises them, and each re-checks the stamp after
 * waiting. Rejects when the build fails (e.g. no `go` on PATH).
 * @param {(line: string) => void} [log]
 * @returns {Promise<string>}
 */
export async function goPeerBinary(log = () => {}) {
  mkdirSync(dirname(GO_LOCK), { recursive: true })
  const deadline = Date.now() + GO_LOCK_WAIT_MS
  for (;;) {
    try {
      writeFileSync(GO_LOCK, String(process.pid), { flag: 'wx' })
      break
    } catch (err) {
      if (err?.code !== 'EEXIST') throw err
      const age = Date.now() - (statOr(GO_LOCK)?.mtimeMs ?? Date.now())
      if (age > GO_LOCK_STALE_MS) rmSync(GO_LOCK, { force: true })
      else if (Date.now() > deadline) throw new Error(`waited ${GO_LOCK_WAIT_MS} ms for ${GO_LOCK}`)
      else await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    await ensureBuilt('go', log)
  } finally {
    rmSync(GO_LOCK, { force: true })
  }
  return GO_BIN
}

function statOr(file) {
  try {
    return statSync(file)
  } catch {
    return undefined
  }
}

/** Build times kept across runs: the last cold build and the last build of each peer. */
export function buildTimes() {
  try {
    return JSON.parse(readFileSync(join(CACHE, 'build-times.json'), 'utf8'))
  } catch {
    return {}
  }
}

function recordBuildTime(name, seconds, cold) {
  const times = buildTimes()
  const at = new Date().toISOString()
  const entry = { ...(times[name] ?? {}), lastSeconds: round(seconds), lastAt: at }
  if (cold) Object.assign(entry, { coldSeconds: round(seconds), coldAt: at })
  times[name] = entry
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(join(CACHE, 'build-times.json'), `${JSON.stringify(times, null, 2)}\n`)
}

function round(seconds) {
  return Math.round(seconds * 10) / 10
}

function inputHash(files) {
  const hash = createHash('sha256')
  for (const file of files) hash.update(file).update('\0').update(readOr(file, '')).update('\0')
  return hash.digest('hex')
}

function readOr(file, fallback) {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return fallback
  }
}

function packageVersion(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
  } catch {
    return 'not installed'
  }
}

function goRequire(module) {
  const match = readOr(join(GO_DIR, 'go.mod'), '').match(
    new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(\\S+)`, 'm'),
  )
  return match?.[1] ?? 'unknown'
}

function cargoLockVersion(name) {
  const match = readOr(join(RUST_DIR, 'Cargo.lock'), '').match(
    new RegExp(`name = "${name}"\\nversion = "([^"]+)"`),
  )
  return match?.[1] ?? 'unknown'
}

async function gitRevision() {
  try {
    const rev = (await capture('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT })).trim()
    const dirty =
      (await capture('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT })).trim() !== ''
    return `git ${rev}${dirty ? ' with local changes' : ''}`
  } catch {
    return 'no git revision'
  }
}

/** Runs a command to completion; its output goes to `log` line by line. Rejects on a non-zero exit. */
export function exec(command, args, { cwd = ROOT, env = {}, log = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const tail = []
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue
        log(line)
        tail.push(line)
        if (tail.length > 40) tail.shift()
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`))
    })
  })
}

/** Runs a command and resolves with its stdout. */
export function capture(command, args, { cwd = ROOT, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`)),
    )
  })
}
