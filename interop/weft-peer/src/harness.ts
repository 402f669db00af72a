/**
 * The interop test flow, written once against @libp2p/interface so it drives
 * a weft host (`peer.ts`) and a js-libp2p node (`../../js-libp2p/peer.mjs`)
 * alike. It imports nothing at run time but Node built-ins.
 *
 * The contract every peer of the matrix follows (go, rust and py implement it
 * again in their own language; see interop/runner/README.md):
 * - configuration from environment variables, lower-case names of libp2p's
 *   transport-interop plan or upper-case names of libp2p/unified-testing;
 * - both roles listen (so identify has listen addresses to report both ways)
 *   and register an echo handler on `/weft-interop/echo/1.0.0`;
 * - the listener prints `<addr>/p2p/<peerId>` as its first stdout line, then,
 *   once the dialer is identified, one JSON line `{"self": …, "remote": …}`;
 * - the dialer reads the listener's address from `LISTENER_ADDR` (or the first
 *   line of stdin), connects, pings, checks identify, echoes 1 MiB, and prints
 *   one JSON line with `handshakePlusOneRTTMillis`, `pingRTTMilllis` (three
 *   l's, as the plan spells it), `echoMillis`, `self` and `remote`; it may
 *   then print `{"lingering": true}` and stay connected (this one does, up to
 *   5 s) so that a slow listener can still identify it: the runner ends it
 *   with SIGTERM once the listener has reported, and it exits with its own code;
 * - exit code 0 means every check passed.
 */
import { createInterface } from 'node:readline'
import type { IdentifyResult, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const ECHO_PROTOCOL = '/weft-interop/echo/1.0.0'
export const ECHO_BYTES = 1024 * 1024
export const REQUIRED_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', ECHO_PROTOCOL]
/** Upper bound on what an echo stream may return, so a misbehaving peer cannot exhaust memory. */
const MAX_ECHO_BYTES = 2 * ECHO_BYTES
const ECHO_CHUNK = 64 * 1024

export type TransportName = 'tcp' | 'ws' | 'quic-v1'
export type MuxerName = 'yamux' | 'mplex'
export type SecurityName = 'noise' | 'tls'

export interface PeerConfig {
  transport: TransportName
  security: SecurityName
  muxer: MuxerName
  isDialer: boolean
  ip: string
  listenAddr: string
  /** The listener's `<addr>/p2p/<peerId>`, for the dialer; read from stdin when absent. */
  listenerAddr: string | undefined
  timeoutMs: number
}

export type Env = Record<string, string | undefined>

/** Reads a variable by its lower-case (transport-interop) or upper-case (unified-testing) name. */
function pick(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name] ?? env[name.toUpperCase()]
    if (value != null && value !== '') return value
  }
  return undefined
}

/** Parses the peer's configuration; throws `TypeError` naming the bad variable. */
export function readConfig(env: Env): PeerConfig {
  const transport = pick(env, 'transport') ?? 'tcp'
  if (transport !== 'tcp' && transport !== 'ws' && transport !== 'quic-v1')
    throw new TypeError(`transport: expected tcp, ws or quic-v1, got ${transport}`)
  // QUIC secures and multiplexes by itself: security and muxer do not apply to it
  const quic = transport === 'quic-v1'
  const security = quic ? 'noise' : (pick(env, 'security', 'secure_channel') ?? 'noise')
  if (security !== 'noise' && security !== 'tls')
    throw new TypeError(`security: expected noise or tls, got ${security}`)
  const muxer = quic ? 'yamux' : (pick(env, 'muxer') ?? 'yamux')
  if (muxer !== 'yamux' && muxer !== 'mplex')
    throw new TypeError(`muxer: expected yamux or mplex, got ${muxer}`)
  const isDialer = pick(env, 'is_dialer') === 'true'
  const ip = pick(env, 'ip', 'listener_ip') ?? '127.0.0.1'
  const family = ip.includes(':') ? 'ip6' : 'ip4'
  const defaultAddr = quic
    ? `/${family}/${ip}/udp/0/quic-v1`
    : `/${family}/${ip}/tcp/0${transport === 'ws' ? '/ws' : ''}`
  const listenAddr = pick(env, 'listen_addr') ?? defaultAddr
  const seconds = Number(pick(env, 'test_timeout_seconds', 'test_timeout_secs') ?? '180')
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new TypeError(`test_timeout_seconds: expected > 0, got ${seconds}`)
  return {
    transport,
    security,
    muxer,
    isDialer,
    ip,
    listenAddr,
    listenerAddr: pick(env, 'listener_addr', 'remote_addr'),
    timeoutMs: seconds * 1000,
  }
}

/** What one side learned about the other through identify. */
export interface IdentifyReport {
  agentVersion: string
  protocols: string[]
  listenAddrs: string[]
}

/** What a peer says about itself, so the runner can cross-check the other side's report. */
export interface SelfReport {
  peerId: string
  agentVersion: string
  listenAddrs: string[]
}

export interface DialerResult {
  handshakePlusOneRTTMillis: number
  pingRTTMilllis: number
  echoMillis: number
  echoBytes: number
  self: SelfReport
  remote: IdentifyReport
}

/** The node interface the harness needs: a started libp2p-compatible node with ping. */
export type InteropNode = Libp2p<{
  ping: { ping: (peer: PeerId | Multiaddr, options?: { signal?: AbortSignal }) => Promise<number> }
}>

/** Protocol checks on an identify result; returns what is wrong, empty when all is well. */
export function checkIdentify(report: IdentifyReport): string[] {
  const problems: string[] = []
  if (report.agentVersion === '') problems.push('identify: empty agent version')
  for (const protocol of REQUIRED_PROTOCOLS) {
    if (!report.protocols.includes(protocol))
      problems.push(`identify: protocol ${protocol} missing from ${JSON.stringify(report.protocols)}`)
  }
  if (report.listenAddrs.length === 0) problems.push('identify: no listen addresses')
  return problems
}

function toReport(result: IdentifyResult): IdentifyReport {
  return {
    agentVersion: result.agentVersion ?? '',
    protocols: [...result.protocols].sort(),
    listenAddrs: result.listenAddrs.map((ma) => ma.toString()),
  }
}

/** Resolves with the first identify result about `accept(peer)`, or rejects when `signal` aborts. */
function nextIdentify(
  node: InteropNode,
  accept: (peer: PeerId) => boolean,
  signal: AbortSignal,
): Promise<IdentifyResult> {
  return new Promise((resolve, reject) => {
    const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
      if (!accept(evt.detail.peerId)) return
      cleanup()
      resolve(evt.detail)
    }
    const onAbort = (): void => {
      cleanup()
      reject(new Error('timed out waiting for identify', { cause: signal.reason }))
    }
    const cleanup = (): void => {
      node.removeEventListener('peer:identify', onIdentify)
      signal.removeEventListener('abort', onAbort)
    }
    if (signal.aborted) return onAbort()
    node.addEventListener('peer:identify', onIdentify)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Echoes every byte back, then half-closes once the remote has. */
export async function echoHandler(stream: Stream): Promise<void> {
  try {
    let total = 0
    for await (const chunk of stream) {
      total += chunk.byteLength
      if (total > MAX_ECHO_BYTES) throw new RangeError(`echo: more than ${MAX_ECHO_BYTES} bytes`)
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** Deterministic pseudo-random bytes (xorshift32), so a mismatch shows where it starts. */
export function payload(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** Sends `data`, half-closes, reads everything back and compares byte for byte. */
async function echoRoundTrip(stream: Stream, data: Uint8Array, signal: AbortSignal): Promise<void> {
  const chunks: Uint8Array[] = []
  let received = 0
  const reading = (async () => {
    for await (const chunk of stream) {
      received += chunk.byteLength
      if (received > MAX_ECHO_BYTES) throw new RangeError(`echo: more than ${MAX_ECHO_BYTES} bytes came back`)
      chunks.push(chunk.subarray())
    }
  })()
  // a failed read must not leave an unhandled rejection while we are still writing
  reading.catch(() => {})
  for (let offset = 0; offset < data.byteLength; offset += ECHO_CHUNK) {
    if (!stream.send(data.subarray(offset, offset + ECHO_CHUNK))) await stream.onDrain({ signal })
  }
  await stream.close({ signal })
  await reading
  const echoed = Buffer.concat(chunks)
  if (echoed.byteLength !== data.byteLength)
    throw new Error(`echo: sent ${data.byteLength} bytes, got ${echoed.byteLength} back`)
  const at = echoed.findIndex((byte, i) => byte !== data[i])
  if (at !== -1) throw new Error(`echo: byte ${at} differs (sent ${data[at]}, got ${echoed[at]})`)
}

/** The first of the node's addresses on the configured transport, with `/p2p/<peerId>`. */
function ownAddress(node: InteropNode, config: PeerConfig): string {
  const peer = `/p2p/${node.peerId.toString()}`
  const addrs = node.getMultiaddrs().map((ma) => {
    const text = ma.toString()
    return text.endsWith(peer) ? text : `${text}${peer}`
  })
  const wantWs = config.transport === 'ws'
  const wantQuic = config.transport === 'quic-v1'
  const found = addrs.find(
    (addr) =>
      addr.includes(`/${config.ip}/`) &&
      addr.includes('/ws/') === wantWs &&
      addr.includes('/quic-v1/') === wantQuic,
  )
  if (found == null)
    throw new Error(`no ${config.transport} listen address on ${config.ip} among ${JSON.stringify(addrs)}`)
  return found
}

function selfReport(node: InteropNode, config: PeerConfig, agentVersion: string): SelfReport {
  const own = ownAddress(node, config)
  return {
    peerId: node.peerId.toString(),
    agentVersion,
    listenAddrs: [own.slice(0, own.lastIndexOf('/p2p/'))],
  }
}

function firstLine(signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin })
    const finish = (settle: () => void): void => {
      signal.removeEventListener('abort', onAbort)
      lines.close()
      settle()
    }
    const onAbort = (): void =>
      finish(() => reject(new Error('timed out reading the listener address from stdin')))
    lines.on('line', (line) => {
      if (line.trim() !== '') finish(() => resolve(line.trim()))
    })
    lines.on('close', () => finish(() => reject(new Error('stdin closed before the listener address came'))))
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Runs one side of a test on a started node and returns the process exit
 * code. `log` gets diagnostics (stderr); `print` gets the protocol lines (stdout).
 */
export async function runPeer(
  node: InteropNode,
  config: PeerConfig,
  agentVersion: string,
  parseMultiaddr: (text: string) => Multiaddr,
  io: { print: (line: string) => void; log: (line: string) => void },
): Promise<number> {
  const signal = AbortSignal.timeout(config.timeoutMs)
  await node.handle(ECHO_PROTOCOL, echoHandler)
  const self = selfReport(node, config, agentVersion)

  if (!config.isDialer) {
    const identified = nextIdentify(node, () => true, signal)
    io.print(ownAddress(node, config))
    const remote = toReport(await identified)
    io.print(JSON.stringify({ self, remote }))
    const problems = checkIdentify(remote)
    for (const problem of problems) io.log(problem)
    // serve echo and ping until the runner ends us (or the test times out)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    return problems.length === 0 ? 0 : 1
  }

  const target = config.listenerAddr ?? (await firstLine(signal))
  const peerText = target.slice(target.lastIndexOf('/p2p/') + 5)
  const address = parseMultiaddr(target)
  const identified = nextIdentify(node, (peer) => peer.toString() === peerText, signal)
  identified.catch(() => {})

  const start = performance.now()
  const connection = await node.dial(address, { signal })
  const pingRTT = await node.services.ping.ping(connection.remotePeer, { signal })
  const handshakePlusOneRTT = performance.now() - start

  const remote = toReport(await identified)
  const problems = checkIdentify(remote)

  const data = payload(ECHO_BYTES, 0x5eed)
  const echoStart = performance.now()
  const stream = await node.dialProtocol(connection.remotePeer, ECHO_PROTOCOL, { signal })
  await echoRoundTrip(stream, data, signal)
  const echoMillis = performance.now() - echoStart

  const result: DialerResult = {
    handshakePlusOneRTTMillis: round(handshakePlusOneRTT),
    pingRTTMilllis: round(pingRTT),
    echoMillis: round(echoMillis),
    echoBytes: data.byteLength,
    self,
    remote,
  }
  io.print(JSON.stringify(result))
  for (const problem of problems) io.log(problem)
  // the listener may still be identifying us (a slow peer opens its identify
  // stream late): stay connected until the runner ends us, at most DIALER_LINGER_MS
  io.print(JSON.stringify({ lingering: true }))
  await linger(signal)
  return problems.length === 0 ? 0 : 1
}

/** How long a dialer stays connected after its result, unless the runner ends it first (SIGTERM). */
const DIALER_LINGER_MS = 5_000

async function linger(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      process.off('SIGTERM', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, DIALER_LINGER_MS)
    process.once('SIGTERM', done)
    signal.addEventListener('abort', done, { once: true })
  })
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
