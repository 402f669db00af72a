/**
 * What both sides do with the addresses in a `Connect`: keep those we agree
 * to dial, then dial them all at once: TCP ones from the port of our
 * connection to the relay (the simultaneous open), QUIC ones from our QUIC
 * listening socket (its packets open our NAT towards the peer, as the
 * spec's random UDP packets do), and the peer's TCP listen addresses as a
 * plain client. When both sides offered QUIC, the TCP dials wait
 * `quicHeadStart` ms so that QUIC wins where both would work.
 */
import type { AbortOptions, Connection, Logger, PeerId, Upgrader } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal, delay } from '@weft/utils'
import type { AddressBook } from './address-book.js'
import {
  isPunchableQuic,
  isPunchableTcp,
  isRelayed,
  MAX_ENTRIES_EXAMINED,
  mayDial,
  punchAddresses,
  quicFirst,
} from './addresses.js'
import type { DCUtRConfig } from './config.js'
import { HolePunchFailedError } from './errors.js'
import type { NatInfo } from './nat-info.js'
import { type PunchStrategy, predictedPorts } from './punch-plan.js'
import { withRole } from './punch-upgrader.js'
import type { DCUtRComponents } from './types.js'

/** What the initiator and the responder share: the service's parts and its lifetime. */
export interface PunchContext {
  components: DCUtRComponents
  config: DCUtRConfig
  addresses: AddressBook
  log: Logger
  /** aborts when the service stops (a new one after each start) */
  readonly service: { readonly signal: AbortSignal }
}

/**
 * The addresses in a peer's `ObsAddrs` we agree to dial: punchable, public
 * unless `allowPrivateAddresses`, allowed by the connection gater, at most
 * `maxAddresses` QUIC ones (first) and `maxAddresses` TCP ones.
 */
export async function dialableAddresses(
  context: PunchContext,
  peer: PeerId,
  obsAddrs: Uint8Array[],
): Promise<Multiaddr[]> {
  const candidates = quicFirst(
    punchAddresses(obsAddrs, MAX_ENTRIES_EXAMINED).filter((address) =>
      mayDial(address, context.config.allowPrivateAddresses),
    ),
    context.config.maxAddresses,
  )
  const gater = context.components.connectionGater
  const out: Multiaddr[] = []
  for (const address of candidates) {
    if ((await gater?.denyDialMultiaddr?.(address.encapsulate(`/p2p/${peer.toString()}`))) === true) {
      continue
    }
    out.push(address)
  }
  return out
}

/**
 * The addresses to punch at under `strategy`: the peer's own (`theirs`,
 * the relay-observed TCP one first among the TCP ones), and when its NAT
 * allocates ports in sequence, its observed IP at the next `window`
 * predicted TCP ports as well (only those, in order, when both sides are
 * sequential: a QUIC dial would take one of the ports).
 */
export function strategyAddresses(
  theirs: Multiaddr[],
  remote: NatInfo | undefined,
  strategy: PunchStrategy,
): Multiaddr[] {
  if (strategy.kind !== 'predicted' || strategy.predict === 'local') return theirs
  const observed = theirs.find(isPunchableTcp)
  const port = observed == null ? undefined : tcpPortOf(observed)
  if (observed == null || port == null || remote?.delta == null) return theirs
  const ip = observed.getComponents()[0]!
  const predicted = predictedPorts(port, remote.delta, strategy.window).map((next) =>
    multiaddr(`/${ip.name}/${ip.value}/tcp/${next}`),
  )
  // both sequential: nothing else may take a port before the k-th predicted dial
  if (strategy.predict === 'both') return predicted
  return [...theirs, ...predicted.filter((address) => !theirs.some((known) => known.equals(address)))]
}

function tcpPortOf(address: Multiaddr): number | undefined {
  const value = address.getComponents().find((component) => component.name === 'tcp')?.value
  return value == null ? undefined : Number(value)
}

/**
 * Dials every address at once: TCP ones from `localPort` in the role the
 * spec gives us (`initiator`: A, the client), QUIC ones from our listening
 * socket as the QUIC client (QUIC has its own roles; the peer's listener
 * answers), and each of `listenAddrs` (TCP addresses the peer listens on)
 * from a fresh port as the client, since the peer's listener answers as the
 * server. With `preferQuic` (both sides offered QUIC) the TCP dials start
 * `quicHeadStart` ms later. The first direct connection wins, the rest are
 * cancelled. A direct connection with the peer that opens meanwhile, from
 * either side (the peer reached our listen address), also ends the round.
 */
export async function punch(
  context: PunchContext,
  peer: PeerId,
  addrs: Multiaddr[],
  localPort: number | undefined,
  initiator: boolean,
  options: AbortOptions & { preferQuic?: boolean },
  listenAddrs: Multiaddr[] = [],
): Promise<Connection> {
  const { components, config } = context
  const cancel = new AbortController()
  const signal = anySignal([options.signal, context.service.signal, cancel.signal], config.punchTimeout)
  const upgrader = withRole(components.upgrader, peer, initiator)
  const client = initiator ? upgrader : withRole(components.upgrader, peer, true)
  const headStart = options.preferQuic === true && addrs.some(isPunchableQuic) ? config.quicHeadStart : 0
  const dial = async (
    address: Multiaddr,
    dialOptions: { upgrader: Upgrader; localPort?: number },
    wait = 0,
  ): Promise<Connection> => {
    if (wait > 0) await delay(wait, { signal })
    const transport = components.transportManager.dialTransportForMultiaddr(address)
    if (transport == null) throw new HolePunchFailedError(`no transport dials ${address.toString()}`)
    // one dial per address per round: a refusal ends it, and the next
    // round (B's to start) is the retry
    return await transport.dial(address, { signal, ...dialOptions })
  }
  const quic = addrs.filter(isPunchableQuic)
  const tcp = addrs.filter((address) => !isPunchableQuic(address))
  const opened = directConnectionOpened(components, peer, signal)
  try {
    const connection = await Promise.any([
      // the peer id in the address makes the QUIC handshake check whom it reached
      ...quic.map(async (address) =>
        dial(address.encapsulate(`/p2p/${peer.toString()}`), { upgrader: components.upgrader }),
      ),
      ...tcp.map(async (address) => dial(address, { upgrader, localPort }, headStart)), // localPort: @weft/tcp's option
      ...listenAddrs.map(async (address) => dial(address, { upgrader: client }, headStart)),
      opened.connection,
    ])
    cancel.abort(new HolePunchFailedError('another address connected first'))
    return connection
  } catch (err) {
    const errors =
      err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : String(err)
    throw new HolePunchFailedError(`no direct connection to ${peer.toString()}: ${errors}`)
  } finally {
    opened.dispose()
    signal.clear()
  }
}

/**
 * Resolves with a direct (not relayed) open connection with `peer`, one that
 * exists already or the next that opens; rejects when `signal` aborts.
 */
export function directConnectionOpened(
  components: DCUtRComponents,
  peer: PeerId,
  signal: AbortSignal,
): { connection: Promise<Connection>; dispose: () => void } {
  let dispose = (): void => {}
  const connection = new Promise<Connection>((resolve, reject) => {
    const isDirect = (candidate: Connection): boolean =>
      candidate.status === 'open' && !isRelayed(candidate) && candidate.remotePeer.equals(peer)
    const existing = components.connectionManager.getConnections(peer).find(isDirect)
    if (existing != null) return resolve(existing)
    const onOpen = (evt: CustomEvent<Connection>): void => {
      if (!isDirect(evt.detail)) return
      dispose()
      resolve(evt.detail)
    }
    const onAbort = (): void => {
      dispose()
      reject(new HolePunchFailedError('no direct connection opened'))
    }
    dispose = () => {
      components.events.removeEventListener('connection:open', onOpen)
      signal.removeEventListener('abort', onAbort)
    }
    if (signal.aborted) return onAbort()
    components.events.addEventListener('connection:open', onOpen)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  // a round that ends by a dial leaves this one to reject unobserved
  connection.catch(() => {})
  return { connection, dispose: () => dispose() }
}
