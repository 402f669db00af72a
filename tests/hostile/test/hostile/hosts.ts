/**
 * The two weft hosts of the hostile-peer suite: the listening host under
 * attack, instrumented only through public hooks, and a well-behaved peer
 * that checks, after every case, that the listener still serves.
 *
 * Instrumentation (no logs are read):
 * - a `ConnectionGater` whose `denyInboundConnection(maConn)` sees every
 *   accepted socket first: the reason its `'close'` event carries is the typed
 *   error that ended the upgrade;
 * - `connection:open` / `connection:close` events, keyed by the remote port;
 * - a `/hostile/probe/1.0.0` handler that keeps each stream it gets: after a
 *   muxer-level violation its `'close'` event carries the muxer's error.
 */
import type {
  AbortOptions,
  Connection,
  MultiaddrConnection,
  PeerId,
  Stream,
  StreamCloseEvent,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { type Deferred, deferred, sendAll } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { expect } from 'vitest'

export const ECHO = '/echo/1.0.0'
export const PROBE = '/hostile/probe/1.0.0'
/** a protocol that admits few inbound streams per connection */
export const LIMITED = '/hostile/limited/1.0.0'
export const LIMITED_MAX_INBOUND = 4

/** short bounds so stalls end quickly; still ample for a loopback peer */
export const INBOUND_UPGRADE_TIMEOUT = 2_000
export const NEGOTIATION_TIMEOUT = 1_000
export const MAX_INCOMING_PENDING = 10
/** how long a hostile socket may stay open after its input (stalls included) */
export const CLOSE_BOUND = INBOUND_UPGRADE_TIMEOUT + 4_000

interface PingService {
  ping(peer: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<number>
}
type Services = { ping: PingService; identify: unknown }

/** Echoes every byte back and closes once the remote has finished writing. */
function echo(stream: Stream): void {
  void (async () => {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  })().catch((err: Error) => stream.abort(err))
}

function portOf(address: Multiaddr): number {
  const match = /\/tcp\/(\d+)/.exec(address.toString())
  if (match == null) throw new Error(`no TCP port in ${address.toString()}`)
  return Number(match[1])
}

/**
 * Promises keyed by the remote port of a connection, created by whichever side
 * asks first. Ports are reused by later sockets: a settled promise nobody took
 * is dropped when a new connection from the same port arrives (`renew`).
 */
class ByPort<T> {
  private readonly slots = new Map<number, { deferred: Deferred<T>; settled: boolean }>()

  slot(port: number): Deferred<T> {
    let slot = this.slots.get(port)
    if (slot == null) {
      const entry = { deferred: deferred<T>(), settled: false }
      entry.deferred.promise.then(
        () => {
          entry.settled = true
        },
        () => {
          entry.settled = true
        },
      )
      slot = entry
      this.slots.set(port, slot)
    }
    return slot.deferred
  }

  /** A new connection from `port`: forget what an earlier one from that port left. */
  renew(port: number): void {
    if (this.slots.get(port)?.settled === true) this.slots.delete(port)
  }

  async take(port: number, ms: number, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([
        this.slot(port).promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no ${what} for port ${port} within ${ms} ms`)), ms)
        }),
      ])
    } finally {
      clearTimeout(timer)
      this.slots.delete(port)
    }
  }

  clear(): void {
    this.slots.clear()
  }
}

export interface HostUnderTest {
  host: Host<Services>
  address: Multiaddr
  port: number
  /** the error the raw connection from `port` was closed with (undefined: a clean close) */
  inboundClosed(port: number, ms?: number): Promise<Error | undefined>
  /** the host's upgraded connection from `port` */
  connection(port: number, ms?: number): Promise<Connection>
  /** the error the host's connection from `port` was closed with, from `connection:close` */
  connectionClosed(port: number, ms?: number): Promise<Error | undefined>
  /** the host's side of the probe stream the peer on `port` opened */
  probe(port: number, ms?: number): Promise<Stream>
  /** raw TCP connections the listener still holds (upgraded or not) */
  rawConnections(): number
  /** whether the connection from `port` was admitted to an upgrade (reached the gater) */
  admitted(port: number): boolean
  /** drops what earlier cases left unclaimed */
  forget(): void
}

/** `connectionManager`: options over the suite's short bounds */
export async function startHostUnderTest(
  connectionManager: Record<string, number | undefined> = {},
): Promise<HostUnderTest> {
  const inbound = new ByPort<Error | undefined>()
  const opened = new ByPort<Connection>()
  const closed = new ByPort<Error | undefined>()
  const probes = new ByPort<Stream>()
  const admitted = new Set<number>()
  const host = await createHost<Services>({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(), mplex()],
    services: { identify: identify(), ping: ping() },
    connectionManager: {
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT,
      inboundStreamProtocolNegotiationTimeout: NEGOTIATION_TIMEOUT,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING,
      // every raw socket of these cases comes from 127.0.0.1: the per-address
      // cap has its own case (slowloris.test.ts)
      maxIncomingPendingConnectionsPerAddress: MAX_INCOMING_PENDING,
      ...connectionManager,
    },
    connectionGater: {
      denyInboundConnection: (maConn: MultiaddrConnection) => {
        const port = portOf(maConn.remoteAddr)
        for (const slots of [inbound, opened, closed, probes]) slots.renew(port)
        admitted.add(port)
        const slot = inbound.slot(port)
        maConn.addEventListener('close', (evt: StreamCloseEvent) => slot.resolve(evt.error), { once: true })
        return false
      },
    },
  })
  host.addEventListener('connection:open', (evt) => {
    opened.slot(portOf(evt.detail.remoteAddr)).resolve(evt.detail)
  })
  // the reason is on the Connection's own 'close' event, whose listeners all
  // run before the microtask that reads it
  const closeErrors = new WeakMap<Connection, Error | undefined>()
  host.addEventListener('connection:open', (evt) => {
    const connection = evt.detail
    connection.addEventListener('close', (close) => closeErrors.set(connection, close.error), { once: true })
  })
  host.addEventListener('connection:close', (evt) => {
    const connection = evt.detail
    queueMicrotask(() => closed.slot(portOf(connection.remoteAddr)).resolve(closeErrors.get(connection)))
  })
  await host.handle(ECHO, (stream) => echo(stream))
  await host.handle(PROBE, (stream, connection) => {
    probes.slot(portOf(connection.remoteAddr)).resolve(stream)
  })
  await host.handle(LIMITED, (stream) => echo(stream), { maxInboundStreams: LIMITED_MAX_INBOUND })
  const address = host.getMultiaddrs()[0]!
  return {
    host,
    address,
    port: portOf(address),
    inboundClosed: async (port, ms = CLOSE_BOUND) => inbound.take(port, ms, 'closed inbound connection'),
    connection: async (port, ms = CLOSE_BOUND) => opened.take(port, ms, 'upgraded connection'),
    connectionClosed: async (port, ms = CLOSE_BOUND) => closed.take(port, ms, 'connection:close event'),
    probe: async (port, ms = CLOSE_BOUND) => probes.take(port, ms, 'probe stream'),
    rawConnections: () =>
      host.components.transportManager
        .getListeners()
        .reduce(
          (sum, listener) => sum + ((listener as { connectionCount?: number }).connectionCount ?? 0),
          0,
        ),
    admitted: (port) => admitted.has(port),
    forget: () => {
      for (const slots of [inbound, opened, closed, probes]) slots.clear()
      admitted.clear()
    },
  }
}

/** The error a stream's `'close'` event carries (waits for the event if the stream is still open). */
export async function streamCloseError(stream: Stream, ms = CLOSE_BOUND): Promise<Error | undefined> {
  if (stream.status !== 'open' && stream.status !== 'closing') {
    throw new Error(`stream ${stream.id} was already ${stream.status} before the test listened`)
  }
  const done = deferred<Error | undefined>()
  const timer = setTimeout(() => done.reject(new Error(`stream ${stream.id} stayed open for ${ms} ms`)), ms)
  stream.addEventListener('close', (evt) => done.resolve(evt.error), { once: true })
  try {
    return await done.promise
  } finally {
    clearTimeout(timer)
  }
}

export async function startWellBehavedPeer(): Promise<Host<Services>> {
  return createHost<Services>({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux(), mplex()],
    services: { identify: identify(), ping: ping() },
  })
}

async function readAllBytes(stream: Stream, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit)
  let length = 0
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    if (length + bytes.byteLength > limit) throw new Error(`the echo returned more than ${limit} bytes`)
    out.set(bytes, length)
    length += bytes.byteLength
  }
  return out.subarray(0, length)
}

/** Echoes `payload` through a stream of `connection` and checks every byte came back. */
export async function echoThrough(
  connection: { newStream(protocol: string, options: { signal: AbortSignal }): Promise<Stream> },
  payload: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  const stream = await connection.newStream(ECHO, { signal })
  const echoed = readAllBytes(stream, payload.byteLength)
  await sendAll(stream, payload, { signal })
  await stream.close({ signal })
  expect(Buffer.compare(await echoed, payload)).toBe(0)
}

/**
 * The listener still serves: a well-behaved peer connects, pings and echoes
 * `payload` (1 MiB), then hangs up.
 */
export async function assertServes(
  target: HostUnderTest,
  peer: Host<Services>,
  payload: Uint8Array,
): Promise<void> {
  const signal = AbortSignal.timeout(20_000)
  const connection = await peer.dial(target.address, { signal })
  expect(await peer.services.ping.ping(target.address, { signal })).toBeGreaterThanOrEqual(0)
  await echoThrough(connection, payload, signal)
  await peer.hangUp(target.host.peerId, { signal })
}

/** Waits until the listener holds no connection at all, upgraded or raw; fails after `ms`. */
export async function assertNoConnections(target: HostUnderTest, ms = CLOSE_BOUND): Promise<void> {
  const deadline = Date.now() + ms
  while (target.host.getConnections().length > 0 || target.rawConnections() > 0) {
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(target.host.getConnections().map((connection) => connection.remoteAddr.toString())).toEqual([])
  expect(target.rawConnections()).toBe(0)
}
