/**
 * The birthday search (birthday.ts) as a DCUtR round: the I/O between the
 * plan's `birthday` strategy and a direct QUIC connection. The random side
 * opens its sockets towards the peer's QUIC address (or, when the peer's NAT
 * is sequential, its next predicted ports), then dials QUIC from the socket
 * a probe came in on to the port it came from; the other side sprays probes
 * from its QUIC listening socket at the peer's public IP and waits for that
 * dial to reach its listener. Both need a QUIC transport with `sendDatagram` and a dial
 * `socket` option (@weft/quic has both), found by address like any dial.
 */
import type { Socket } from 'node:dgram'
import type { AbortOptions, Connection, PeerId, Transport } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import { isPunchableQuic } from './addresses.js'
import { FIRST_PORT, MAX_MAPPINGS, openMappings, SearchBudget, sprayProbes, type Target } from './birthday.js'
import { HolePunchFailedError } from './errors.js'
import type { NatInfo } from './nat-info.js'
import { directConnectionOpened, type PunchContext } from './punch.js'
import { type PunchStrategy, predictedPorts } from './punch-plan.js'

/** What the search needs of a QUIC transport beyond `Transport`. */
interface ProbingTransport extends Transport {
  sendDatagram(host: string, port: number, datagram: Uint8Array): boolean
}

function isProbing(transport: Transport | undefined): transport is ProbingTransport {
  return typeof (transport as Partial<ProbingTransport> | undefined)?.sendDatagram === 'function'
}

/**
 * Whether we can take part in a search: it is on, we offer a QUIC address
 * (`ours`, our Connect's) and the transport that dials it can probe.
 */
export function canSearch(context: PunchContext, ours: Multiaddr[]): boolean {
  if (context.config.birthday === false) return false
  const quic = ours.find(isPunchableQuic)
  return quic != null && isProbing(context.components.transportManager.dialTransportForMultiaddr(quic))
}

/** Our NAT report for a Connect, saying whether we take part in a search. */
export function withSearch(info: NatInfo | undefined, able: boolean): NatInfo | undefined {
  return info == null || !able ? info : { ...info, birthday: true }
}

type Birthday = Extract<PunchStrategy, { kind: 'birthday' }>

/** What the random side's searches may send, this process-wide (birthday.ts `SearchBudget`). */
const budget = new SearchBudget()

function udpAddress(address: Multiaddr): { host: string; port: number } {
  const [ip, udp] = address.getComponents()
  return { host: ip?.value ?? '', port: Number(udp?.value) }
}

/**
 * Where the random side aims: the peer's QUIC port, or after it the next
 * `window` ports of a sequential NAT (its probes each leave from the next).
 */
export function searchTarget(quic: Multiaddr, delta: number | undefined, window: number): Target {
  const { host, port } = udpAddress(quic)
  if (delta == null) return { host, ports: [port] }
  return { host, ports: predictedPorts(port, delta, window).filter((next) => next >= FIRST_PORT) }
}

/**
 * One round of the search with `peer`, whose addresses (its Connect's) are
 * `theirs`, in our `role`. Resolves with the direct QUIC connection; every
 * socket and timer of the search is gone when it settles.
 */
export async function birthdayPunch(
  context: PunchContext,
  peer: PeerId,
  theirs: Multiaddr[],
  plan: Birthday,
  options: AbortOptions = {},
): Promise<Connection> {
  const limits = context.config.birthday
  const quic = theirs.find(isPunchableQuic)
  if (limits === false || quic == null) throw new HolePunchFailedError('the peer offered no QUIC address')
  const transport = context.components.transportManager.dialTransportForMultiaddr(quic)
  if (!isProbing(transport)) throw new HolePunchFailedError('no QUIC transport that can send probes')
  const signal = anySignal(
    [options.signal, context.service.signal],
    limits.timeout + context.config.punchTimeout,
  )
  try {
    if (plan.role === 'sockets') return await fromSockets(context, peer, quic, plan.delta, transport, signal)
    const delay = plan.delta == null ? 0 : limits.sequenceDelay
    return await withProbes(context, peer, udpAddress(quic).host, delay, transport, signal)
  } catch (err) {
    throw new HolePunchFailedError(
      `birthday search with ${peer.toString()} failed: ${(err as Error).message}`,
    )
  } finally {
    signal.clear()
  }
}

/** The random side: many mappings towards the peer's QUIC socket, then QUIC from the one that got through. */
async function fromSockets(
  context: PunchContext,
  peer: PeerId,
  quic: Multiaddr,
  delta: number | undefined,
  transport: ProbingTransport,
  signal: AbortSignal,
): Promise<Connection> {
  const limits = context.config.birthday as Exclude<typeof context.config.birthday, false>
  const started = Date.now()
  const target = searchTarget(quic, delta, Math.min(limits.window, Math.floor(MAX_MAPPINGS / limits.sockets)))
  if (target.ports.length === 0) throw new HolePunchFailedError('no predicted port left to aim at')
  // towards one port the probes go again every second of the search; a sweep goes once
  const datagrams =
    limits.sockets * target.ports.length * (target.ports.length === 1 ? Math.ceil(limits.timeout / 1_000) : 1)
  if (!budget.take(datagrams))
    throw new HolePunchFailedError(
      'the search budget of this minute is spent (a peer may be using us as a reflector)',
    )
  const { socket, port }: { socket: Socket; port: number } = await openMappings(target, limits, { signal })
  context.log(
    'birthday search with %p: a probe from port %d came through after %d ms',
    peer,
    port,
    Date.now() - started,
  )
  const ip = quic.getComponents()[0]!
  const at = multiaddr(`/${ip.name}/${ip.value}/udp/${port}/quic-v1`)
  // the transport owns the socket from here, and closes it whatever the dial does
  return transport.dial(at.encapsulate(`/p2p/${peer.toString()}`), {
    signal,
    upgrader: context.components.upgrader,
    socket,
  } as Parameters<Transport['dial']>[1])
}

/** The cone side: probes at random ports of the peer's IP until its dial reaches our listener. */
async function withProbes(
  context: PunchContext,
  peer: PeerId,
  host: string,
  delay: number,
  transport: ProbingTransport,
  signal: AbortSignal,
): Promise<Connection> {
  const limits = context.config.birthday as Exclude<typeof context.config.birthday, false>
  const found = new AbortController()
  const sprayStop = anySignal([signal, found.signal])
  const opened = directConnectionOpened(context.components, peer, signal)
  const spraying = sprayProbes(
    host,
    (to, port, datagram) => {
      try {
        transport.sendDatagram(to, port, datagram)
      } catch {
        // the listener closed meanwhile: the round ends with the service
      }
    },
    limits,
    { signal: sprayStop, delay },
  )
  try {
    return await opened.connection
  } finally {
    found.abort()
    const sent = await spraying
    context.log('birthday search with %p: %d probes sent', peer, sent)
    opened.dispose()
    sprayStop.clear()
  }
}
