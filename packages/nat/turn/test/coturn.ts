/**
 * coturn on loopback for the tests, when `turnserver` is installed: a fresh
 * server per call on free ports, with loopback peers allowed (coturn refuses
 * them by default), long-term users and/or a REST shared secret.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { connect, createServer } from 'node:net'

/**
 * '' when coturn can run here, else the title suffix saying why not. Under CI
 * it is always '' (as @weft/testkit's `notRunReason`): a missing server fails.
 */
export const COTURN_NOT_RUN = (() => {
  if (process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false') return ''
  const probe = spawnSync('turnserver', ['-h'], { stdio: 'ignore', timeout: 5_000 })
  return probe.error == null ? '' : ' (not run: needs turnserver, the coturn package)'
})()

export interface Coturn {
  port: number
  realm: string
  stop(): Promise<void>
  log(): string
}

export interface CoturnOptions {
  users?: Record<string, string>
  /** use-auth-secret with this static-auth-secret */
  secret?: string
  /** seconds a nonce lives (coturn --stale-nonce) */
  staleNonce?: number
  extra?: string[]
}

async function freePort(): Promise<number> {
  // a port free for both TCP and UDP
  for (let i = 0; i < 20; i++) {
    const server = createServer()
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    )
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const udp = createSocket('udp4')
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false))
      udp.bind(port, '127.0.0.1', () => resolve(true))
    })
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (ok) return port
  }
  throw new Error('no free port')
}

export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  const port = await freePort()
  const realm = 'weft.test'
  const auth =
    options.secret != null
      ? ['--use-auth-secret', '--static-auth-secret', options.secret]
      : [
          '--lt-cred-mech',
          ...Object.entries(options.users ?? {}).flatMap(([u, p]) => ['--user', `${u}:${p}`]),
        ]
  const args = [
    ...['-n', '--no-cli', '--no-tls', '--no-dtls', '-L', '127.0.0.1', '--relay-ip', '127.0.0.1'],
    ...['--listening-port', String(port), '--realm', realm, '--allow-loopback-peers'],
    ...['--min-port', '40000', '--max-port', '49999', '--no-software-attribute'],
    ...['--log-file', 'stdout', '--simple-log', '--pidfile', `/tmp/weft-turn-test-${port}.pid`],
    ...(options.staleNonce != null ? [`--stale-nonce=${options.staleNonce}`] : []),
    ...auth,
    ...(options.extra ?? []),
  ]
  const child: ChildProcess = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output = (output + String(chunk)).slice(-20_000)
  })
  child.stderr?.on('data', (chunk) => {
    output = (output + String(chunk)).slice(-20_000)
  })
  // wait until it listens on TCP (bounded)
  for (let i = 0; i < 40; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (up) break
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    realm,
    log: () => output,
    stop: async () =>
      new Promise<void>((resolve) => {
        if (child.exitCode != null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}
