/**
 * A `weft daemon` child process on loopback, as a person would start one:
 * its own key and token file in a temporary folder, the REST API on a port
 * the system picks, p2p on 127.0.0.1 only. `--json` makes the ready line
 * easy to read; the token is in it the first time (and always in the file).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const READY_TIMEOUT = 20_000
const STOP_GRACE = 5_000
/** stderr kept for an error message: the tail is what explains an exit */
const STDERR_LIMIT = 8_192

export interface DaemonProcess {
  readonly name: string
  /** http://127.0.0.1:<port> */
  readonly api: string
  readonly peerId: string
  /** p2p multiaddrs, each ending in /p2p/<peerId> */
  readonly addrs: string[]
  readonly token: string
  readonly tokenFile: string
  /** the shell command that starts the same daemon */
  readonly command: string
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code */
  stop(): Promise<number | null>
}

export interface StartOptions {
  /** the `weft` entry point (packages/app/cli/dist/src/bin.js) */
  bin: string
  /** the temporary folder for keys and tokens */
  dir: string
  name: string
  /** called if the daemon exits before stop() was asked for */
  onUnexpectedExit(message: string): void
}

const running = new Set<ChildProcess>()

/** Last resort on exit (sync): kills whatever is still running. */
export function killAllNow(): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

export async function startDaemonProcess(options: StartOptions): Promise<DaemonProcess> {
  const { bin, dir, name } = options
  const key = join(dir, `${name}.key`)
  const tokenFile = join(dir, `${name}.token`)
  const args = [
    'daemon',
    '--key',
    key,
    '--token-file',
    tokenFile,
    '--api-port',
    '0',
    '--listen',
    '/ip4/127.0.0.1/tcp/0',
  ]
  const child = spawn(process.execPath, [bin, ...args, '--json'], {
    env: { ...process.env, XDG_CONFIG_HOME: dir, DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT)
  })
  /** ': <the last line on stderr>', or nothing when it printed none */
  const lastError = (): string => {
    const line = stderr.trim().split('\n').at(-1) ?? ''
    return line === '' ? '' : `: ${line}`
  }
  let stopping = false
  // 'close', not 'exit': by then stderr is read to its end, so lastError() has the reason
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child)
      if (!stopping)
        options.onUnexpectedExit(`daemon ${name} exited (${signal ?? `code ${code}`})${lastError()}`)
      resolve(code)
    }),
  )
  const ready = await readyLine(child, name, lastError)
  return {
    name,
    api: ready.api,
    peerId: ready.peerId,
    addrs: ready.addrs,
    token: ready.token ?? readFileSync(tokenFile, 'utf8').trim(),
    tokenFile,
    command: `node ${bin} ${args.join(' ')}`,
    async stop() {
      stopping = true
      if (child.exitCode != null || child.signalCode != null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

interface Ready {
  api: string
  peerId: string
  addrs: string[]
  token?: string
}

/** The daemon's first stdout line (its --json ready object), within READY_TIMEOUT. */
function readyLine(child: ChildProcess, name: string, lastError: () => string): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`daemon ${name} not ready after ${READY_TIMEOUT / 1000} s`)),
      READY_TIMEOUT,
    )
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline < 0) return
      clearTimeout(timer)
      try {
        resolve(JSON.parse(out.slice(0, newline)) as Ready)
      } catch {
        reject(new Error(`daemon ${name} printed ${JSON.stringify(out.slice(0, 200))}, not its ready line`))
      }
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`daemon ${name} exited with code ${code} before it was ready${lastError()}`))
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`daemon ${name} did not start: ${err.message}`))
    })
  })
}
