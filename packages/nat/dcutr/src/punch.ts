/**
 * What both sides do with the addresses in a `Connect`: keep those we agree
 * to dial, then dial them all at once from the port of our connection to the
 * relay (the hole punch itself), and the peer's listen addresses as a
 * plain client.
 */
import type { AbortOptions, Connection, Logger, PeerId, Upgrader } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import type { AddressBook } from './address-book.js'
import { isRelayed, MAX_ENTRIES_EXAMINED, mayDial, punchAddresses } from './addresses.js'
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
 * `maxAddresses`.
 */
export async function dialableAddresses(
  context: PunchContext,
  peer: PeerId,
  obsAddrs: Uint8Array[],
): Promise<Multiaddr[]> {
  const candidates = punchAddresses(obsAddrs, MAX_ENTRIES_EXAMINED)
    .filter((address) => mayDial(address, context.config.allowPrivateAddresses))
    .slice(0, context.config.maxAddresses)
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
 * the relay-observed one first), and when its NAT allocates ports in
 * sequence, its observed IP at the next `window` predicted ports as well
 * (only those, in order, when both sides are sequential).
 */
export function strategyAddresses(
  theirs: Multiaddr[],
  remote: NatInfo | undefined,
  strategy: PunchStrategy,
): Multiaddr[] {
  if (strategy.kind !== 'predicted' || strategy.predict === 'local') return theirs
  const observed = theirs[0]
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
 * Dials every address at once from `localPort` in the role the spec gives us
 * (`initiator`: A, the client), and each of `listenAddrs` (addresses the peer
 * listens on) from a fresh port as the client, since the peer's listener
 * answers as the server; the first direct connection wins, the rest are
 * cancelled. A direct connection with the peer that opens meanwhile, from
 * either side (the peer reached our listen address), also ends the round.
 */
export async function punch(
  context: PunchContext,
  peer: PeerId,
  addrs: Multiaddr[],
  localPort: number | undefined,
  initiator: boolean,
  options: AbortOptions,
  listenAddrs: Multiaddr[] = [],
): Promise<Connection> {
  const { components, config } = context
  const cancel = new AbortController()
  const signal = anySignal([options.signal, context.service.signal, cancel.signal], config.punchTimeout)
  const upgrader = withRole(components.upgrader, peer, initiator)
  const client = initiator ? upgrader : withRole(components.upgrader, peer, true)
  const dial = async (
    address: Multiaddr,
    dialOptions: { upgrader: Upgrader; localPort?: number },
  ): Promise<Connection> => {
    const transport = components.transportManager.dialTransportForMultiaddr(address)
    if (transport == null) throw new HolePunchFailedError(`no transport dials ${address.toString()}`)
    // one dial per address per round: a refusal ends it, and the next
    // round (B's to start) is the retry
    return await transport.dial(address, { signal, ...dialOptions })
  }
  const opened = directConnectionOpened(components, peer, signal)
  try {
    const connection = await Promise.any([
      ...addrs.map(async (address) => dial(address, { upgrader, localPort })), // localPort: @weft/tcp's option
      ...listenAddrs.map(async (address) => dial(address, { upgrader: client })),
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
function directConnectionOpened(
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
