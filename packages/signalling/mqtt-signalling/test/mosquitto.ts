/**
 * A mosquitto broker for the tests: its own config file in a temporary
 * folder (one loopback listener, anonymous, MQTT only, no persistence), on a
 * free port, started as a child process and killed by its pid. Without
 * mosquitto the suites are not run and say so, except in CI (the rule of
 * @weft/testkit's `notRunReason`, which this package does not depend on).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin']

export function mosquittoPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...SBIN]
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'mosquitto'), constants.X_OK)
      return join(dir, 'mosquitto')
    } catch {}
  }
  return undefined
}

export function notRunReason(): string {
  if (process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false') return ''
  return mosquittoPath() === undefined ? ' (not run: needs mosquitto)' : ''
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export class Mosquitto {
  private child?: ChildProcess
  private readonly dir = mkdtempSync(join(tmpdir(), 'weft-mosquitto-'))
  port = 0

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`
  }

  /** Starts the broker (on the same port as before when restarted) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort()
    const config = join(this.dir, 'mosquitto.conf')
    writeFileSync(
      config,
      [
        `listener ${this.port} 127.0.0.1`,
        'allow_anonymous true',
        'protocol mqtt',
        'persistence false',
        'log_dest stderr',
        '',
      ].join('\n'),
    )
    const binary = mosquittoPath()
    if (binary === undefined) throw new Error('mosquitto is not installed')
    const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000)
    })
    this.child = child
    const deadline = Date.now() + 10_000
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${log}`)
      if (Date.now() > deadline)
        throw new Error(`mosquitto did not listen on ${this.port} within 10 s: ${log}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Kills the broker and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
