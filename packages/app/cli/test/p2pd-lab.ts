/**
 * A closed lab for a real P2PD 3.1.9 daemon: a network namespace whose only
 * link (eth0, 198.51.100.10 and .11) leads to a second namespace that
 * forwards nothing, so P2PD's probe of 8.8.8.8 (interface.py line 119) has a
 * default route to leave by and still reaches no one. coturn (STUN, two
 * addresses for the change tests) and mosquitto (MQTT) run inside with it;
 * python/p2pd_lab.py points P2PD at them. P2PD's REST port is loopback-only
 * inside the namespace, so the launcher bridges it to a unix socket in the
 * test's folder, which node:http reaches from outside.
 *
 * Everything started here is stopped by pid and both namespaces are deleted
 * by `stop()`, and by a process exit hook should the suite die first.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { prepareVenv, venv } from './python-venv.js'

const run = promisify(execFile)
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url))
const REQUIREMENTS = join(PYTHON_DIR, 'p2pd-requirements.txt')
const VENV = venv('p2pd-venv')
const PYTHON = VENV.python
export const IN_CI = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'

const NODE_IP = '198.51.100.10'
const ALT_IP = '198.51.100.11'
const SINK_IP = '198.51.100.1'
const STUN_PORT = 3478
const MQTT_PORT = 1883
const READY_MS = 90_000

/** Makes (or reuses) the P2PD venv; '' when ready, else why the suite cannot run. */
export async function prepareP2pd(): Promise<string> {
  const failed = await prepareVenv(VENV, REQUIREMENTS)
  return failed === '' ? '' : `python3 with venv and pip, and p2pd==3.1.9 from PyPI (${failed})`
}

export interface P2pdLab {
  /** the unix socket bridged to P2PD's REST port */
  socket: string
  /** P2PD's own address (its /addr) */
  addr: string
  log(): string
  stop(): Promise<void>
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 })
}

function deleteNamespace(name: string): void {
  try {
    // processes of ours still inside (by pid, from the namespace's own list)
    const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 5_000 })
    for (const pid of pids.split('\n').filter((line) => line !== '')) process.kill(Number(pid), 'SIGKILL')
  } catch {}
  try {
    ip(['netns', 'del', name])
  } catch {}
}

function makeNamespaces(ns: string, sink: string): void {
  ip(['netns', 'add', ns])
  ip(['netns', 'add', sink])
  ip(['-n', ns, 'link', 'set', 'lo', 'up'])
  ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'sink0', 'netns', sink])
  ip(['-n', ns, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0'])
  ip(['-n', ns, 'addr', 'add', `${ALT_IP}/24`, 'dev', 'eth0'])
  ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
  ip(['-n', sink, 'addr', 'add', `${SINK_IP}/24`, 'dev', 'sink0'])
  ip(['-n', sink, 'link', 'set', 'sink0', 'up'])
  ip(['-n', ns, 'route', 'add', 'default', 'via', SINK_IP])
}

async function waitListening(ns: string, ports: number[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'ss', '-Hltn'], { timeout: 5_000 })
    if (ports.every((port) => stdout.includes(`:${port} `))) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`lab servers not listening on ${ports.join(', ')}`)
}

/** Starts the lab in `dir`; throws (after cleaning up) if P2PD does not come up. */
export async function startP2pdLab(dir: string): Promise<P2pdLab> {
  const ns = `weft-p2pd-${process.pid}`
  const sink = `${ns}-sink`
  const children: ChildProcess[] = []
  let output = ''
  const cleanup = () => {
    for (const child of children) if (child.exitCode == null) child.kill('SIGKILL')
    deleteNamespace(ns)
    deleteNamespace(sink)
  }
  process.once('exit', cleanup)
  const start = (name: string, command: string[], env: NodeJS.ProcessEnv = process.env) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...command], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (chunk: Buffer) => {
      output = `${output}[${name}] ${chunk.toString('utf8')}`.slice(-40_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    children.push(child)
    return child
  }
  try {
    makeNamespaces(ns, sink)
    const mosquittoConf = join(dir, 'mosquitto.conf')
    writeFileSync(
      mosquittoConf,
      `listener ${MQTT_PORT} ${NODE_IP}\nallow_anonymous true\npersistence false\nlog_dest stdout\n`,
    )
    start('mosquitto', ['mosquitto', '-c', mosquittoConf])
    start('coturn', [
      ...['turnserver', '-n', '--stun-only', '--no-cli', '--no-tls', '--no-dtls'],
      ...['-L', NODE_IP, '-L', ALT_IP, '--listening-port', String(STUN_PORT)],
      ...['--alt-listening-port', String(STUN_PORT + 1), '--no-software-attribute'],
      ...['--log-file', 'stdout', '--simple-log', '--pidfile', join(dir, 'turnserver.pid')],
    ])
    const deadline = Date.now() + READY_MS
    await waitListening(ns, [MQTT_PORT, STUN_PORT], deadline)
    const home = join(dir, 'p2pd-home')
    mkdirSync(home, { recursive: true })
    const socket = join(dir, 'p2pd-api.sock')
    const p2pd = start(
      'p2pd',
      [
        PYTHON,
        join(PYTHON_DIR, 'p2pd_lab.py'),
        ...['--stun', `${NODE_IP}:${STUN_PORT}`, '--stun-alt', `${ALT_IP}:${STUN_PORT + 1}`],
        ...['--mqtt', `${NODE_IP}:${MQTT_PORT}`, '--mqtt', `${NODE_IP}:${MQTT_PORT}`],
        ...['--bridge', socket],
      ],
      { ...process.env, HOME: home, PYTHONUNBUFFERED: '1' },
    )
    const ready = await readyLine(p2pd, deadline, () => output)
    return {
      socket,
      addr: ready.addr,
      log: () => output,
      async stop() {
        for (const child of children.reverse()) await stopChild(child)
        cleanup()
        process.removeListener('exit', cleanup)
      },
    }
  } catch (err) {
    cleanup()
    process.removeListener('exit', cleanup)
    throw new Error(`${(err as Error).message}\n${output}`)
  }
}

function readyLine(child: ChildProcess, deadline: number, log: () => string): Promise<{ addr: string }> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('P2PD not ready in time')), deadline - Date.now())
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const line = out.split('\n').find((candidate) => candidate.startsWith('{'))
      if (line != null) {
        clearTimeout(timer)
        resolve(JSON.parse(line) as { addr: string })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`P2PD exited ${code}: ${log()}`))
    })
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
