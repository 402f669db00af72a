/**
 * Test helpers: the CLI bundled once by esbuild (weft packages from their
 * sources) and run with plain `node`; daemons as child processes on
 * loopback; a plain node:http client.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect } from 'vitest'

export const WORKSPACE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../src/bin.ts')

export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `weft-cli-${label}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Bundles the `weft` executable into `dir`. */
export function bundleCli(dir: string): string {
  const file = join(dir, 'weft.mjs')
  execFileSync(
    join(WORKSPACE, 'node_modules/.bin/esbuild'),
    [
      ENTRY,
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
  return file
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `weft args…` to completion (60 s at most) with XDG_CONFIG_HOME inside the test's folder. */
export function runCli(bin: string, args: string[], home: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, XDG_CONFIG_HOME: home, DEBUG: '' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err == null ? 0 : typeof err.code === 'number' ? err.code : 1
        resolvePromise({ code, stdout, stderr })
      },
    )
  })
}

export interface DaemonProcess {
  api: string
  port: number
  peerId: string
  addrs: string[]
  token: string
  unixSocket?: string
  stop(): Promise<number | null>
}

/** Starts `weft daemon --json` on loopback and waits for its ready line (20 s at most). */
export async function startDaemonProcess(
  bin: string,
  dir: string,
  name: string,
  extra: string[] = [],
): Promise<DaemonProcess> {
  const tokenFile = join(dir, `${name}.token`)
  const child = spawn(
    process.execPath,
    [
      bin,
      'daemon',
      '--json',
      '--key',
      join(dir, `${name}.key`),
      '--token-file',
      tokenFile,
      '--api-port',
      '0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      ...extra,
    ],
    { env: { ...process.env, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`daemon ${name} not ready: ${stderr}`)), 20_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline >= 0) {
        clearTimeout(timer)
        resolveLine(out.slice(0, newline))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`daemon ${name} exited ${code}: ${stderr}`))
    })
  })
  const ready = JSON.parse(line) as { api: string; peerId: string; addrs: string[]; unixSocket?: string }
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))
  return {
    ...ready,
    port: Number(new URL(ready.api).port),
    token: readFileSync(tokenFile, 'utf8').trim(),
    async stop() {
      if (child.exitCode != null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 6_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

export interface HttpReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  // biome-ignore lint/suspicious/noExplicitAny: JSON replies are checked field by field
  json(): any
}

export interface HttpOptions {
  method?: string
  body?: Uint8Array | string
  headers?: Record<string, string>
  /** omit the bearer token */
  anonymous?: boolean
}

/** One request with node:http (a fresh connection each time). */
export function http(
  daemon: Pick<DaemonProcess, 'port' | 'token'>,
  path: string,
  options: HttpOptions = {},
): Promise<HttpReply> {
  return new Promise((resolveReply, reject) => {
    const headers: Record<string, string> = {
      ...(options.anonymous === true ? {} : { Authorization: `Bearer ${daemon.token}` }),
      ...options.headers,
    }
    const req = request(
      {
        host: '127.0.0.1',
        port: daemon.port,
        path,
        method: options.method ?? 'GET',
        headers,
        agent: false,
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolveReply({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')),
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`request ${path} timed out`)))
    req.end(options.body)
  })
}

export interface CliProcess {
  readonly pid: number
  /** everything printed so far */
  stdout(): string
  stderr(): string
  /** waits (15 s at most) until stdout (or stderr) matches */
  waitFor(match: RegExp, stream?: 'stdout' | 'stderr', timeout?: number): Promise<RegExpExecArray>
  write(text: string): void
  endInput(): void
  signal(name: NodeJS.Signals): void
  /** the exit code (waits 20 s at most, then kills it) */
  exited(timeout?: number): Promise<number | null>
}

/** Starts `weft args…` with piped stdio, XDG_CONFIG_HOME inside the test's folder. */
export function spawnCli(bin: string, args: string[], home: string): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: home, DEBUG: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk
  })
  // 'close': the process ended and its output is all read
  let closed = false
  const exit = new Promise<number | null>((resolveExit) =>
    child.once('close', (code) => {
      closed = true
      resolveExit(code)
    }),
  )
  return {
    pid: child.pid ?? 0,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    async waitFor(match, stream = 'stdout', timeout = 15_000) {
      const deadline = Date.now() + timeout
      for (;;) {
        const found = match.exec(output[stream])
        if (found != null) return found
        if (closed || Date.now() > deadline)
          throw new Error(
            `weft ${args.join(' ')}: ${stream} never matched ${match}\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
          )
        await new Promise((resolveWait) => setTimeout(resolveWait, 50))
      }
    },
    write: (text) => child.stdin.write(text),
    endInput: () => child.stdin.end(),
    signal: (name) => child.kill(name),
    async exited(timeout = 20_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
      const code = await exit
      clearTimeout(timer)
      return code
    },
  }
}

/**
 * Two daemons, alice and bob, started before a suite's tests (each with its
 * `extra` arguments, given the suite's temporary folder) and stopped after
 * them, with exit code 0; read `pair.alice`, `pair.bob`, `pair.dir` inside tests.
 */
export function useDaemonPair(
  label: string,
  extra: (dir: string) => { alice?: string[]; bob?: string[] } = () => ({}),
): { readonly alice: DaemonProcess; readonly bob: DaemonProcess; readonly dir: string } {
  const temp = tempDir(label)
  const pair = {
    alice: undefined as unknown as DaemonProcess,
    bob: undefined as unknown as DaemonProcess,
    dir: temp.dir,
  }
  beforeAll(async () => {
    const bin = bundleCli(temp.dir)
    const args = extra(temp.dir)
    ;[pair.alice, pair.bob] = await Promise.all([
      startDaemonProcess(bin, temp.dir, 'alice', args.alice),
      startDaemonProcess(bin, temp.dir, 'bob', args.bob),
    ])
  }, 120_000)
  afterAll(async () => {
    expect(await pair.alice?.stop()).toBe(0)
    expect(await pair.bob?.stop()).toBe(0)
    temp.remove()
  })
  return pair
}
