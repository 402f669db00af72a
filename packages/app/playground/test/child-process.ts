/**
 * Runs a test program in its own process: bundled by esbuild (weft packages
 * from their sources) and run with plain `node`, printing one JSON event a
 * line and reading one JSON command a line. The same idea as @weft/testkit's
 * bundleScript/spawnProgram, which this package cannot import until it lists
 * @weft/testkit as a devDependency.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

/** Bundles `entry` into one ESM file in a temporary folder. */
export function bundle(entry: string): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-playground-program-'))
  const file = join(dir, 'program.mjs')
  execFileSync(
    join(WORKSPACE, 'node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--conditions=weft-source',
      `--outfile=${file}`,
      '--log-level=error',
      "--banner:js=import { createRequire as __weftRequire } from 'node:module'; const require = __weftRequire(import.meta.url);",
    ],
    { cwd: WORKSPACE, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface Program<E> {
  events: E[]
  /** the first event matching, or a rejection after `timeout` ms or when the process exits */
  waitFor(match: (event: E) => boolean, timeout?: number): Promise<E>
  send(command: unknown): void
  /** ends stdin (the program's cue to stop), kills it after 6 s if it has not exited; true when it exited by itself */
  stop(): Promise<boolean>
}

export function runProgram<E>(file: string, env: Record<string, string>, label: string): Program<E> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  })
  const events: E[] = []
  let stderr = ''
  let pending = ''
  let exited = false
  const wakers = new Set<() => void>()
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
    for (const wake of wakers) wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk
  })
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true
      for (const wake of wakers) wake()
      resolve()
    })
  })
  return {
    events,
    waitFor(match, timeout = 15_000) {
      return new Promise<E>((resolve, reject) => {
        const finish = (settle: () => void): void => {
          clearTimeout(timer)
          wakers.delete(check)
          settle()
        }
        const check = (): void => {
          const found = events.find(match)
          if (found != null) finish(() => resolve(found))
          else if (exited)
            finish(() => reject(new Error(`${label} exited; saw ${JSON.stringify(events)}\n${stderr}`)))
        }
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `${label}: nothing matching in ${timeout} ms; saw ${JSON.stringify(events)}\n${stderr}`,
                ),
              ),
            ),
          timeout,
        )
        wakers.add(check)
        check()
      })
    },
    send(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`)
    },
    async stop() {
      if (exited) return true
      let killed = false
      child.stdin.end()
      const timer = setTimeout(() => {
        killed = true
        child.kill('SIGKILL')
      }, 6_000)
      await exit
      clearTimeout(timer)
      return !killed
    },
  }
}
