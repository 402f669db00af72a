/**
 * weft's main demo: two `weft daemon` processes on 127.0.0.1, driven with
 * plain HTTP exactly as a person would with curl. alice opens a named
 * connection to bob, they exchange a message, then two /tunnel requests turn
 * HTTP connections into a raw pipe carrying 8 MiB each way byte for byte.
 * Each step prints with its time and the command that repeats it by hand;
 * then the dashboard URL, a /metrics excerpt, and both daemons stop.
 *
 *   npx --yes pnpm@10.34.8 install && npx --yes pnpm@10.34.8 demo
 *   node examples/demo/dist/src/daemons.js --keep   # leave them running until Ctrl-C
 *
 * Exit code 0 when every step worked; otherwise one line on stderr and 1
 * (130 on Ctrl-C). Whatever it started is stopped on every way out.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type DaemonProcess, killAllNow, startDaemonProcess } from './daemon-process.js'
import { detail, step } from './step.js'
import { exchange, MiB, openTunnel } from './tunnel.js'

const OVERALL_TIMEOUT = 60_000
const TUNNEL_BYTES = 8 * MiB
/** dist/src/daemons.js → the repository root */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

const keep = process.argv.includes('--keep')
const binFlag = process.argv.indexOf('--bin')
const bin = resolve(
  binFlag > 0 ? (process.argv[binFlag + 1] ?? '') : join(ROOT, 'packages/app/cli/dist/src/bin.js'),
)
const dir = mkdtempSync(join(tmpdir(), 'weft-demo-'))
const aborter = new AbortController()
const daemons: DaemonProcess[] = []
let finishing = false
/** what main() is doing, for the failure line */
let doing = 'starting the daemons'

/** One clear line, everything killed, exit 1. */
function fail(message: string): void {
  if (finishing) return
  finishing = true
  process.stderr.write(`demo failed: ${message}\n`)
  aborter.abort()
  process.exit(1)
}

process.on('exit', () => {
  killAllNow()
  rmSync(dir, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (finishing) return
    finishing = true
    process.stdout.write(`\n${signal}: stopping the daemons\n`)
    aborter.abort()
    void Promise.all(daemons.map((daemon) => daemon.stop())).finally(() => process.exit(130))
  })
const deadline = setTimeout(() => fail(`not done after ${OVERALL_TIMEOUT / 1000} s`), OVERALL_TIMEOUT)

/** A shell-friendly path: relative to the current folder when inside it. */
function shown(path: string): string {
  const inside = relative(process.cwd(), path)
  return inside.startsWith('..') ? path : inside
}

/** Shell variable names for a daemon's URL and its Authorization header. */
function vars(daemon: DaemonProcess): { url: string; auth: string } {
  const upper = daemon.name.toUpperCase()
  return { url: `$${upper}`, auth: `$${upper}_AUTH` }
}

function curl(daemon: DaemonProcess, path: string, pipe = ''): void {
  const v = vars(daemon)
  detail(`$ curl -s -H "${v.auth}" "${v.url}${path}"${pipe}`)
}

function reply(value: unknown): void {
  const text = JSON.stringify(value)
  detail(`  ${text.length > 110 ? `${text.slice(0, 107)}...` : text}`)
}

/** A REST call as curl makes it; P2PD answers HTTP 200 with `error: 0` when it worked. */
// biome-ignore lint/suspicious/noExplicitAny: P2PD replies are read field by field
async function call(daemon: DaemonProcess, path: string): Promise<any> {
  const response = await fetch(`${daemon.api}${path}`, {
    headers: { Authorization: `Bearer ${daemon.token}` },
    signal: aborter.signal,
  })
  const body = (await response.json()) as { error?: unknown; msg?: unknown }
  if (response.status !== 200 || body.error !== 0)
    throw new Error(`${daemon.name} ${path}: HTTP ${response.status}, ${JSON.stringify(body)}`)
  return body
}

async function start(): Promise<[DaemonProcess, DaemonProcess]> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx tsc -b)`)
  const onUnexpectedExit = (message: string): void => fail(message)
  const started = Promise.all(
    ['alice', 'bob'].map((name) => startDaemonProcess({ bin, dir, name, onUnexpectedExit })),
  )
  const [alice, bob] = (await started) as [DaemonProcess, DaemonProcess]
  daemons.push(alice, bob)
  for (const daemon of [alice, bob]) {
    const v = vars(daemon)
    step(`${daemon.name.padEnd(5)} daemon ${daemon.peerId}, API ${daemon.api}`)
    detail(`$ ${daemon.command.replace(bin, shown(bin)).replaceAll(dir, shown(dir))} &`)
    detail(
      `$ ${v.url.slice(1)}=${daemon.api}; ${v.auth.slice(1)}="Authorization: Bearer $(cat ${daemon.tokenFile})"`,
    )
  }
  return [alice, bob]
}

async function chat(alice: DaemonProcess, bob: DaemonProcess): Promise<void> {
  const addr = (await call(bob, '/addr')).addr as string
  step(`bob's address: ${addr}`)
  curl(bob, '/addr')

  const opened = await call(alice, `/open/chat${addr}`)
  step(`alice /open/chat: a named connection to bob (peer ${opened.peer})`)
  curl(alice, `/open/chat${addr}`)
  reply(opened)

  const sent = await call(alice, '/send/chat/hello')
  step(`alice /send/chat/hello: ${sent.sent} bytes sent`)
  curl(alice, '/send/chat/hello')
  const received = await call(bob, '/recv/chat/timeout/5')
  step(`bob /recv/chat: "${received.data}" (bob's daemon named the connection "chat" too)`)
  curl(bob, '/recv/chat/timeout/5')
  reply(received)
  if (received.data !== 'hello') throw new Error(`bob received ${JSON.stringify(received.data)}, not "hello"`)

  await call(bob, `/send/chat/${encodeURIComponent('hi alice')}`)
  const back = await call(alice, '/recv/chat/timeout/5')
  step(`bob /send/chat, alice /recv/chat: "${back.data}"`)
  if (back.data !== 'hi alice') throw new Error(`alice received ${JSON.stringify(back.data)}, not "hi alice"`)
}

async function tunnel(alice: DaemonProcess, bob: DaemonProcess): Promise<void> {
  await call(alice, `/open/pipe${bob.addrs[0]}`)
  step('alice /open/pipe: a second named connection, for a tunnel')
  curl(alice, `/open/pipe${bob.addrs[0]}`)

  const sockets = await Promise.all([
    openTunnel(alice.api, alice.token, '/tunnel/pipe'),
    openTunnel(bob.api, bob.token, '/tunnel/pipe'),
  ])
  const began = performance.now()
  const [fromAlice, fromBob] = await Promise.all([
    exchange(sockets[0], TUNNEL_BYTES, 1),
    exchange(sockets[1], TUNNEL_BYTES, 2),
  ])
  const seconds = (performance.now() - began) / 1000
  for (const socket of sockets) socket.destroy()
  if (fromAlice.receivedHash !== fromBob.sentHash || fromBob.receivedHash !== fromAlice.sentHash)
    throw new Error('the tunnel delivered different bytes than were sent')
  const mib = TUNNEL_BYTES / MiB
  step(
    `/tunnel/pipe on both: ${mib} MiB each way in ${seconds.toFixed(2)} s, ` +
      `${(mib / seconds).toFixed(1)} MiB/s each way, sha256 equal both ways`,
  )
  // curl cannot hold a raw pipe open: the request head goes in by hand
  detail('(curl cannot hold a raw pipe: nc sends the request head, then the file, both ways)')
  for (const daemon of [alice, bob]) {
    const v = vars(daemon)
    detail(
      `$ { printf 'GET /tunnel/pipe HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n%s\\r\\n\\r\\n' "${v.auth}"; cat ${daemon.name}.out; } ` +
        `| nc 127.0.0.1 ${new URL(daemon.api).port} > ${daemon.name}.in`,
    )
  }
}

async function dashboardAndMetrics(alice: DaemonProcess, bob: DaemonProcess): Promise<void> {
  const login = `${alice.api}/login?token=${alice.token}`
  const response = await fetch(login, { redirect: 'manual', signal: aborter.signal })
  await response.arrayBuffer()
  if (response.status !== 303 || response.headers.get('set-cookie') == null)
    throw new Error(`/login answered ${response.status} without a cookie`)
  step(`alice's dashboard (open it in a browser${keep ? '' : ' with --keep'}): ${login}`)

  for (const daemon of [alice, bob]) {
    const metrics = await fetch(`${daemon.api}/metrics`, {
      headers: { Authorization: `Bearer ${daemon.token}` },
      signal: aborter.signal,
    })
    const lines = (await metrics.text())
      .split('\n')
      .filter((line) => line.startsWith('weft_daemon_bytes_total'))
    const carried = lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
    if (metrics.status !== 200 || carried < 2 * TUNNEL_BYTES)
      throw new Error(`${daemon.name} /metrics counts ${carried} bytes, fewer than the tunnel carried`)
    step(`${daemon.name} /metrics:`)
    curl(daemon, '/metrics', ' | grep ^weft_daemon_bytes_total')
    for (const line of lines) detail(`  ${line}`)
  }
}

/** With --keep: the daemons serve until Ctrl-C (the signal handler stops them). */
function waitForever(): Promise<never> {
  clearTimeout(deadline)
  step('the daemons keep running: repeat the commands above, open the dashboard; Ctrl-C stops them')
  return new Promise(() => setInterval(() => {}, 60_000))
}

async function main(): Promise<void> {
  const [alice, bob] = await start()
  doing = 'the message'
  await chat(alice, bob)
  doing = 'the tunnel'
  await tunnel(alice, bob)
  doing = 'the dashboard and /metrics'
  await dashboardAndMetrics(alice, bob)
  if (keep) await waitForever()
  finishing = true
  const codes = await Promise.all([alice.stop(), bob.stop()])
  if (codes.some((code) => code !== 0)) {
    finishing = false
    return fail(`the daemons exited with codes ${codes.join(', ')}`)
  }
  step('both daemons stopped (exit code 0)')
  clearTimeout(deadline)
  process.exit(0)
}

main().catch((err: unknown) => {
  const message = `${doing}: ${err instanceof Error ? err.message : String(err)}`
  // a daemon that died explains a reset better: its exit, if on its way, is reported first
  setTimeout(() => fail(message), 300)
})
