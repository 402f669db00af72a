/**
 * Linux network namespaces for tests that must cross a real network (mDNS
 * multicast, NAT): two fresh namespaces joined by a veth pair, made and
 * removed by the test, so nothing leaves the machine; programs run inside
 * them as child processes under `ip netns exec` (a process cannot hold
 * sockets in two namespaces) and report JSON lines on stdout.
 *
 * Needs root and iproute2 (`ip`): without them `requireNetns()` throws a
 * message saying what is missing.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let counter = 0

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Throws a clear error when `ip` is missing or we may not make namespaces. */
export function requireNetns(): void {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    throw new Error('network-namespace tests need iproute2: `ip` was not found (apt-get install iproute2)')
  }
  if (process.getuid?.() !== 0) {
    throw new Error('network-namespace tests need root to create namespaces (ip netns add)')
  }
}

export interface VethNetwork {
  namespaces: [string, string]
  addresses: [string, string]
  remove(): void
}

export interface VethNetworkInit {
  /** a short tag in the namespace and link names (default 'ns') */
  tag?: string
  /** the /24 both ends live in (default '10.231.0') */
  subnet?: string
}

/**
 * Two fresh namespaces joined by a veth pair (`<subnet>.1/24` and
 * `<subnet>.2/24`), loopback up and multicast routed onto the veth.
 */
export function createVethNetwork(init: VethNetworkInit = {}): VethNetwork {
  requireNetns()
  const tag = init.tag ?? 'ns'
  const subnet = init.subnet ?? '10.231.0'
  const id = `${process.pid % 100_000}x${counter++}`
  const namespaces: [string, string] = [`weft-${tag}-${id}-a`, `weft-${tag}-${id}-b`]
  // interface names are at most 15 bytes
  const links = [`w${tag.slice(0, 2)}${id}a`, `w${tag.slice(0, 2)}${id}b`]
  const addresses: [string, string] = [`${subnet}.1`, `${subnet}.2`]
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

export interface BundleInit {
  /** the workspace root: esbuild is taken from its node_modules/.bin */
  root: string
  /** modules left out of the bundle */
  external?: string[]
}

/**
 * Bundles `entry` (TypeScript, weft packages from their sources through the
 * `weft-source` condition) into one ESM file in a temporary folder, so a
 * child process in a namespace runs it with plain `node`.
 */
export function bundleScript(entry: string, init: BundleInit): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-netns-'))
  const file = join(dir, 'program.mjs')
  try {
    execFileSync(
      join(init.root, 'node_modules/.bin/esbuild'),
      [
        entry,
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        '--conditions=weft-source',
        ...(init.external ?? []).map((name) => `--external:${name}`),
        `--outfile=${file}`,
        '--log-level=error',
        "--banner:js=import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);",
      ],
      { cwd: init.root, stdio: ['ignore', 'ignore', 'pipe'] },
    )
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    throw new Error(`could not bundle ${entry}: ${stderr ?? (err as Error).message}`)
  }
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface NamespaceProcess<E> {
  /** every JSON line the program printed, in order */
  events: E[]
  /** resolves with the first event matching, rejects after `timeout` ms or when the process exits */
  waitFor(match: (event: E) => boolean, timeout?: number): Promise<E>
  /** writes one line to the program's stdin */
  send(line: string): void
  /** whether the process has exited, and with which code */
  exitCode(): number | null | undefined
  /** ends its stdin (the program's cue to stop), then kills it after 6 s */
  stop(): Promise<void>
}

/** Runs `node <args>` inside `namespace`, collecting the JSON lines it prints. */
export function spawnInNamespace<E>(
  namespace: string,
  args: string[],
  options: { cwd: string; label: string },
): NamespaceProcess<E> {
  return spawnJsonLines<E>('ip', ['netns', 'exec', namespace, process.execPath, ...args], options)
}

/** Runs `node <args>` in this network namespace, collecting the JSON lines it prints. */
export function spawnProgram<E>(
  args: string[],
  options: { cwd: string; label: string },
): NamespaceProcess<E> {
  return spawnJsonLines<E>(process.execPath, args, options)
}

function spawnJsonLines<E>(
  command: string,
  args: string[],
  options: { cwd: string; label: string },
): NamespaceProcess<E> {
  const { label } = options
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { cwd: options.cwd, stdio: 'pipe' })
  const events: E[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let exited = false
  let code: number | null | undefined
  let pending = ''
  child.stdin.on('error', () => {})
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      try {
        events.push(JSON.parse(line) as E)
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
    child.on('exit', (exitCode) => {
      exited = true
      code = exitCode
      for (const wake of waiters) wake()
      resolve()
    })
  })

  return {
    events,
    async waitFor(match, timeout = 20_000) {
      return new Promise<E>((resolve, reject) => {
        const check = (): void => {
          const found = events.find(match)
          if (found != null) finish(() => resolve(found))
          else if (exited) {
            finish(() =>
              reject(new Error(`${label} exited early (${code}); saw ${JSON.stringify(events)}\n${stderr}`)),
            )
          }
        }
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `${label}: no matching event in ${timeout} ms; saw ${JSON.stringify(events)}\n${stderr}`,
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
    send(line) {
      if (!exited) child.stdin.write(`${line}\n`)
    },
    exitCode: () => (exited ? code : undefined),
    async stop() {
      if (exited) return
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 6000)
      await exitedPromise
      clearTimeout(timer)
    },
  }
}
