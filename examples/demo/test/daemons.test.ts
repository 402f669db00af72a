/**
 * The main demo as a person runs it: a process of its own that starts two
 * daemons, drives them over HTTP and exits 0 with every step printed; and,
 * when a daemon cannot start, exits 1 with one line saying why. Both the
 * demo and the `weft` command are bundled from their sources first, so the
 * test needs no build.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const HERE = dirname(fileURLToPath(import.meta.url))
const WORKSPACE = resolve(HERE, '../../..')

function bundle(entry: string, outfile: string): void {
  execFileSync(
    join(WORKSPACE, 'node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--conditions=weft-source',
      `--outfile=${outfile}`,
      '--log-level=error',
      // CommonJS dependencies inside an ESM bundle still call require
      "--banner:js=import { createRequire as __weftRequire } from 'node:module'; const require = __weftRequire(import.meta.url);",
    ],
    { cwd: WORKSPACE, stdio: ['ignore', 'ignore', 'inherit'] },
  )
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function runDemo(demo: string, bin: string): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [demo, '--bin', bin],
      { cwd: WORKSPACE, timeout: 75_000, env: { ...process.env, DEBUG: '' } },
      (err, stdout, stderr) => {
        const code = err == null ? 0 : typeof err.code === 'number' ? err.code : null
        resolveRun({ code, stdout, stderr })
      },
    )
  })
}

describe('the daemons demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-demotest-'))
  const demo = join(dir, 'daemons.mjs')
  const bin = join(dir, 'weft.mjs')

  beforeAll(() => {
    bundle(join(HERE, '../src/daemons.ts'), demo)
    bundle(join(WORKSPACE, 'packages/app/cli/src/bin.ts'), bin)
  }, 60_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('runs two daemons through open, send, recv, a tunnel and /metrics, then exits 0', async () => {
    const run = await runDemo(demo, bin)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const out = run.stdout
    expect(out).toMatch(/alice daemon 12D3KooW\w+, API http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toMatch(/bob {3}daemon 12D3KooW\w+, API http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toContain('$ curl -s -H "$ALICE_AUTH" "$ALICE/open/chat/ip4/127.0.0.1/tcp/')
    expect(out).toContain('bob /recv/chat: "hello"')
    expect(out).toContain('alice /recv/chat: "hi alice"')
    expect(out).toMatch(
      /\/tunnel\/pipe on both: 8 MiB each way in [\d.]+ s, [\d.]+ MiB\/s each way, sha256 equal/,
    )
    expect(out).toMatch(/dashboard .*: http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+/)
    expect(out).toMatch(/weft_daemon_bytes_total\{direction="in"\} \d+/)
    expect(out).toContain('both daemons stopped (exit code 0)')
    // the keys and tokens lived in a temporary folder the demo removes on exit
    const folder = /--key (\S+)\/alice\.key/.exec(out)?.[1]
    expect(folder).toMatch(/weft-demo-/)
    expect(existsSync(folder!)).toBe(false)
  }, 90_000)

  it('exits 1 with one line when a daemon cannot start', async () => {
    const broken = join(dir, 'broken.mjs')
    writeFileSync(broken, "process.stderr.write('no identity here\\n'); process.exit(3)\n")
    const run = await runDemo(demo, broken)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^demo failed: daemon (alice|bob) exited .*no identity here\n$/)
  }, 30_000)
})
