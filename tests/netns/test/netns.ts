/**
 * Network namespaces for the tests of this folder: two namespaces joined by a veth pair
 * (10.231.0.1/24 and 10.231.0.2/24, multicast routed onto the veth), made and
 * removed by the test, so multicast never leaves the machine. Hosts run as
 * child processes under `ip netns exec` (a process cannot hold sockets in two
 * namespaces); peer.ts is bundled for them with esbuild from sources.
 *
 * Needs root and iproute2 (`ip`): without them the test fails, with a message
 * saying what is missing; nothing is skipped.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

let counter = 0

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Throws a clear error when `ip` is missing or we may not make namespaces. */
export function requireNetns(): void {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    throw new Error('the namespace tests needs iproute2: `ip` was not found (apt-get install iproute2)')
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the namespace tests needs root to create network namespaces (ip netns add)')
  }
}

export interface VethNetwork {
  namespaces: [string, string]
  addresses: [string, string]
  remove(): void
}

/** Two fresh namespaces joined by a veth pair. */
export function createVethNetwork(): VethNetwork {
  requireNetns()
  const id = `${process.pid % 100_000}x${counter++}`
  const namespaces: [string, string] = [`weft-ns-${id}-a`, `weft-ns-${id}-b`]
  const links = [`wn${id}a`, `wn${id}b`]
  const addresses: [string, string] = ['10.231.0.1', '10.231.0.2']
  const remove = (): void => {
    for (const namespace of namespaces) {
      try {
        ip('netns', 'del', namespace)
      } catch {
        // not created
      }
    }
  }
  try {
    for (const namespace of namespaces) ip('netns', 'add', namespace)
    ip(
      'link',
      'add',
      links[0]!,
      'netns',
      namespaces[0],
      'type',
      'veth',
      'peer',
      'name',
      links[1]!,
      'netns',
      namespaces[1],
    )
    for (const i of [0, 1] as const) {
      ip('-n', namespaces[i], 'addr', 'add', `${addresses[i]}/24`, 'dev', links[i]!)
      ip('-n', namespaces[i], 'link', 'set', 'lo', 'up')
      ip('-n', namespaces[i], 'link', 'set', links[i]!, 'up')
      ip('-n', namespaces[i], 'route', 'add', '224.0.0.0/4', 'dev', links[i]!)
    }
  } catch (err) {
    remove()
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    throw new Error(`could not build the veth network: ${stderr ?? (err as Error).message}`)
  }
  return { namespaces, addresses, remove }
}

/** Bundles peer.ts (weft from sources) into one file; returns its path. */
export function bundlePeer(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-mdns-'))
  const file = join(dir, 'peer.mjs')
  try {
    execFileSync(
      join(root, 'node_modules/.bin/esbuild'),
      [
        fileURLToPath(new URL('./peer.ts', import.meta.url)),
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        '--conditions=weft-source',
        // loaded only for a LevelDB peer store, which the peer does not use
        '--external:datastore-level',
        `--outfile=${file}`,
        '--log-level=error',
        "--banner:js=import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);",
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    )
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    throw new Error(
      `could not bundle the test peer (are tests/netns' dependencies installed? pnpm install): ${stderr ?? (err as Error).message}`,
    )
  }
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface PeerEvent {
  event: 'ready' | 'discovered' | 'connected'
  peerId: string
  addrs?: string[]
}

export interface PeerProcess {
  events: PeerEvent[]
  /** resolves with the first event matching, rejects after `timeout` ms or when the process exits */
  waitFor(match: (event: PeerEvent) => boolean, timeout?: number): Promise<PeerEvent>
  stop(): Promise<void>
}

/** Runs the bundled peer in `namespace`. */
export function spawnPeer(bundle: string, namespace: string, address: string): PeerProcess {
  const impl = 'weft'
  const child: ChildProcessWithoutNullStreams = spawn(
    'ip',
    ['netns', 'exec', namespace, process.execPath, bundle, address],
    { cwd: root, stdio: 'pipe' },
  )
  const events: PeerEvent[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let exited = false
  let pending = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      try {
        events.push(JSON.parse(line) as PeerEvent)
      } catch {
        stderr += `${line}\n`
      }
    }
    for (const wake of waiters) wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk
  })
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true
      for (const wake of waiters) wake()
      resolve()
    })
  })

  return {
    events,
    async waitFor(match, timeout = 20_000) {
      return new Promise<PeerEvent>((resolve, reject) => {
        const check = (): void => {
          const found = events.find(match)
          if (found != null) finish(() => resolve(found))
          else if (exited) finish(() => reject(new Error(`${impl} peer exited early:\n${stderr}`)))
        }
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `${impl} peer: no matching event in ${timeout} ms; saw ${JSON.stringify(events)}\n${stderr}`,
                ),
              ),
            ),
          timeout,
        )
        const finish = (settle: () => void): void => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      })
    },
    async stop() {
      if (exited) return
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 6000)
      await exitedPromise
      clearTimeout(timer)
    },
  }
}
