/**
 * A UDP birthday search between a NAT that allocates a random port per
 * destination ("random side") and one whose probes the random side can aim
 * at ("probing side"), after the idea hyperdht's hole puncher uses.
 *
 * Opposite a cone (one mapping per socket, filtering unsolicited packets):
 * the random side opens `sockets` sockets and sends a probe from each to the
 * cone side's mapped QUIC port: its NAT gives each a random public port that
 * admits packets from that one address. The cone side sends probes from its
 * QUIC listening socket to random ports on the random side's public IP, at
 * most `probes` of them, `probesPerTick` every `tickInterval` ms: each opens
 * its own NAT's filter for that (IP, port). A probe that lands on one of the
 * random mappings reaches its socket; that path is then open both ways, and
 * the random side dials QUIC from exactly that socket to the port the probe
 * came from.
 *
 * With s mappings among the R ports a NAT allocates from, each probe at a
 * fresh port hits with p ≈ s / R, so k probes miss with (1 − s/R)^k; for
 * s = 256, R = 64 512 (1024–65535), k = 2 000 that is 0.04 %: the search
 * succeeds 99.96 % of the time, after ≈ 250 probes (0.5 s) on average.
 *
 * Opposite a sequential NAT (a new port per destination, each the last plus
 * a fixed delta), the probing side's k-th probe leaves from its observed
 * port + delta × k, not from one port. So each random-side socket probes
 * every one of the next `window` predicted ports, in order (sockets × window
 * mappings, capped at MAX_MAPPINGS, sent once, not every second as towards
 * one port): probe k (k ≤ window) then meets s
 * mappings aimed at its own source port and hits with s / R, so the round
 * succeeds with 1 − (1 − s/R)^window (s = 256, window = 128: 40 %; a NAT
 * whose port pool wraps makes later probes count too). The probing side
 * starts `sequenceDelay` ms later, so the mappings for its first ports exist
 * before its first probes arrive.
 */
import { createSocket, type Socket } from 'node:dgram'
import { BirthdayFailedError } from './errors.js'

export interface BirthdayLimits {
  /** sockets the random side opens (default 256) */
  sockets: number
  /** probes the cone side sends at most (default 2 000) */
  probes: number
  /** probes sent per tick (default 5) */
  probesPerTick: number
  /** ms between ticks (default 10: 500 probes/s) */
  tickInterval: number
  /** ms either side searches at most (default 4 000) */
  timeout: number
  /** the probing side's predicted ports each socket aims at when that side is sequential (default 128) */
  window: number
  /** ms a sequential probing side waits before its first probe (default 150) */
  sequenceDelay: number
}

export const DEFAULT_BIRTHDAY: Readonly<BirthdayLimits> = {
  sockets: 256,
  probes: 2_000,
  probesPerTick: 5,
  tickInterval: 10,
  timeout: 4_000,
  window: 128,
  sequenceDelay: 150,
}

/** The most sockets or probes a search may use, whatever it is configured with. */
export const MAX_SOCKETS = 1_024
export const MAX_PROBES = 8_192
export const MAX_WINDOW = 1_024
/** The most mappings (sockets × aimed ports) the random side opens in one search. */
export const MAX_MAPPINGS = 65_536
/** Ports a NAT allocates from: Linux's masquerade keeps to 1024–65535 for ports ≥ 1024. */
export const FIRST_PORT = 1_024
export const PORT_COUNT = 65_536 - FIRST_PORT

/**
 * A probe: 8 bytes, the first with the top bit clear, so a QUIC endpoint
 * reads it as a short header too small for a connection ID and drops it.
 */
export const PROBE = Uint8Array.of(0x00, 0x77, 0x65, 0x66, 0x74, 0x62, 0x64, 0x31)

/** ms between the random side's rounds of probes from every socket (a lost one is sent again). */
const RESEND_INTERVAL = 1_000

/** The chance that `probes` probes at distinct random ports hit one of `sockets` random mappings. */
export function hitProbability(sockets: number, probes: number, ports = PORT_COUNT): number {
  let miss = 1
  for (let k = 0; k < probes && k < ports; k++) miss *= Math.max(0, 1 - sockets / (ports - k))
  return 1 - miss
}

/** `count` distinct ports from FIRST_PORT…65535 in random order (a partial Fisher–Yates shuffle). */
export function probePorts(count: number, random: () => number = Math.random): number[] {
  const n = Math.min(count, PORT_COUNT)
  // only the swapped entries are stored: at most 2n, not the whole range
  const swapped = new Map<number, number>()
  const at = (i: number): number => swapped.get(i) ?? FIRST_PORT + i
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (PORT_COUNT - i))
    const pick = at(j)
    swapped.set(j, at(i))
    out.push(pick)
  }
  return out
}

/** Where the random side aims: the probing side's IP and the ports its probes may leave from. */
export interface Target {
  host: string
  ports: number[]
}

/** The socket a probe came in on and the port it came from (the one to dial). */
export interface Mapping {
  socket: Socket
  port: number
}

function checkLimits(limits: BirthdayLimits): void {
  if (!Number.isInteger(limits.sockets) || limits.sockets < 1 || limits.sockets > MAX_SOCKETS)
    throw new RangeError(`sockets must be an integer in 1…${MAX_SOCKETS}, not ${limits.sockets}`)
  if (!Number.isInteger(limits.probes) || limits.probes < 1 || limits.probes > MAX_PROBES)
    throw new RangeError(`probes must be an integer in 1…${MAX_PROBES}, not ${limits.probes}`)
}

/**
 * The random side: opens `limits.sockets` sockets (`bindHost`, any port),
 * probes each of `target`'s ports from each (port by port, so the first
 * ports are covered first), and resolves with the first socket a datagram
 * from one of those ports came in on, with its listeners removed, for the
 * caller to dial from (and close). Every other socket and timer is gone by
 * then; all of them are when it rejects (timeout, abort, no socket bound).
 */
export async function openMappings(
  target: Target,
  limits: BirthdayLimits,
  options: { signal?: AbortSignal; bindHost?: string } = {},
): Promise<Mapping> {
  checkLimits(limits)
  if (target.ports.length === 0 || limits.sockets * target.ports.length > MAX_MAPPINGS)
    throw new RangeError(
      `sockets × ports must be in 1…${MAX_MAPPINGS}, not ${limits.sockets} × ${target.ports.length}`,
    )
  options.signal?.throwIfAborted()
  const aimed = new Set(target.ports)
  const family = target.host.includes(':') ? 'udp6' : 'udp4'
  const bindHost = options.bindHost ?? (family === 'udp6' ? '::' : '0.0.0.0')
  const sockets: Socket[] = []
  let resend: ReturnType<typeof setInterval> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let finished = false
  let finish: (err: Error | undefined, winner?: Mapping) => void = () => {}
  const done = new Promise<Mapping>((resolve, reject) => {
    finish = (err, winner) => {
      if (finished) return
      finished = true
      clearInterval(resend)
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      for (const socket of sockets) {
        socket.removeAllListeners('message')
        // the winner keeps its no-op error listener until its new owner adds one
        if (socket !== winner?.socket) socket.close()
      }
      if (winner != null) resolve(winner)
      else reject(err)
    }
  })
  const onAbort = (): void => finish(options.signal?.reason ?? new BirthdayFailedError('aborted'))
  options.signal?.addEventListener('abort', onAbort, { once: true })
  timer = setTimeout(
    () => finish(new BirthdayFailedError(`no probe came through in ${limits.timeout} ms`)),
    limits.timeout,
  )
  const probeAll = (): void => {
    if (finished) return
    for (const port of target.ports) {
      for (const socket of sockets) {
        if (finished) return
        socket.send(PROBE, port, target.host, () => {})
      }
    }
  }
  const bound = await Promise.allSettled(
    Array.from({ length: limits.sockets }, async () => {
      const socket = createSocket({ type: family, ipv6Only: family === 'udp6' })
      sockets.push(socket)
      // a socket error (e.g. ICMP unreachable) must not end the process nor the search
      socket.on('error', () => {})
      socket.on('message', (_data, remote) => {
        // only the cone's own socket proves the path its filter opened
        if (remote.address === target.host && aimed.has(remote.port))
          finish(undefined, { socket, port: remote.port })
      })
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        // closed while binding (the search ended): the bind callback never comes
        socket.once('close', resolve)
        socket.bind({ address: bindHost, port: 0 }, () => {
          socket.off('error', reject)
          resolve()
        })
      })
    }),
  )
  const failure = bound.find((result) => result.status === 'rejected')
  if (failure != null) finish(new BirthdayFailedError(`a socket did not bind: ${String(failure.reason)}`))
  else if (!finished) {
    probeAll()
    // one port: a lost probe is sent again; a sweep of many ports goes out
    // once (sockets × ports datagrams at an address the peer named)
    if (target.ports.length === 1) resend = setInterval(probeAll, RESEND_INTERVAL)
  }
  return done
}

/**
 * Datagrams the random side may send in searches, per process and minute:
 * a peer names the address the sweep goes to, so without a budget a few
 * DCUtR messages could turn this host into a reflector. `take(n)` says
 * whether `n` more fit in the current minute (and counts them if so).
 */
export class SearchBudget {
  private windowStart = 0
  private used = 0

  constructor(
    private readonly perMinute = MAX_MAPPINGS * 2,
    private readonly now: () => number = Date.now,
  ) {}

  take(datagrams: number): boolean {
    const now = this.now()
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now
      this.used = 0
    }
    if (this.used + datagrams > this.perMinute) return false
    this.used += datagrams
    return true
  }
}

/**
 * The cone side: sends `limits.probes` probes at most, to distinct random
 * ports of `host`, through `send` (from the socket the peer's sockets
 * probed), `probesPerTick` every `tickInterval` ms, the first after
 * `delay` ms (if given). Resolves when all are
 * sent, the time is up, or `signal` aborts (the search found its path).
 */
export async function sprayProbes(
  host: string,
  send: (host: string, port: number, datagram: Uint8Array) => void,
  limits: BirthdayLimits,
  options: { signal?: AbortSignal; random?: () => number; delay?: number } = {},
): Promise<number> {
  checkLimits(limits)
  const ports = probePorts(limits.probes, options.random)
  if (options.delay != null && options.delay > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.delay)
      function done(): void {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', done)
        resolve()
      }
      options.signal?.addEventListener('abort', done, { once: true })
    })
  }
  const deadline = Date.now() + limits.timeout
  let sent = 0
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      clearInterval(ticker)
      options.signal?.removeEventListener('abort', stop)
      resolve(sent)
    }
    const tick = (): void => {
      if (options.signal?.aborted === true || Date.now() > deadline) {
        stop()
        return
      }
      for (let i = 0; i < limits.probesPerTick && sent < ports.length; i++) send(host, ports[sent++]!, PROBE)
      if (sent >= ports.length) stop()
    }
    const ticker = setInterval(tick, limits.tickInterval)
    options.signal?.addEventListener('abort', stop, { once: true })
    tick()
  })
}
