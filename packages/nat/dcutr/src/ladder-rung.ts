/**
 * The `hole-punch` rung DCUtR offers the host's connection ladder (see
 * @weft/host connection-ladder.ts), found under the same well-known symbol
 * so this package does not depend on the host.
 *
 * On the dialing side the rung takes the dial's relayed connection (or one
 * already open) and waits: the peer it came in to runs DCUtR's initiating
 * side over it, and our responder answers. The rung ends with the first
 * direct connection with the peer, whoever dialed it; it fails at once when
 * the plan says no punch can work (both sides' NAT information), when the
 * peer turns out not to speak DCUtR (identify), when our own upgrade of the
 * connection ends relayed, or when the relayed connection closes.
 */
import type { Connection, IdentifyResult, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from './addresses.js'
import { HolePunchFailedError, HolePunchSkippedError } from './errors.js'
import { PROTOCOL } from './messages.js'
import type { DCUtRComponents, UpgradeOutcome } from './types.js'

/** `Symbol.for('@weft/connection-ladder-rung')`: @weft/host's `connectionLadderRungSymbol`. */
export const connectionLadderRungSymbol = Symbol.for('@weft/connection-ladder-rung')

/** The part of the host's `LadderContext` this rung reads. */
export interface RungContext {
  readonly addresses: readonly Multiaddr[]
  readonly relayed?: () => Promise<Connection>
}

/** A rung of the connection ladder, shaped as @weft/host's `ConnectionLadderRung`. */
export interface HolePunchRung {
  readonly name: 'hole-punch'
  readonly order: number
  readonly timeout: number
  canTry(peer: PeerId, context: RungContext): boolean
  attempt(peer: PeerId, signal: AbortSignal, context: RungContext): Promise<Connection>
}

export interface RungDeps {
  components: Pick<DCUtRComponents, 'connectionManager' | 'events'>
  timeout: number
  isStarted(): boolean
  /** calls `listener` for every relayed connection a plan said to skip, and for every upgrade outcome */
  watch(listener: (event: { relayed?: Connection; outcome?: UpgradeOutcome }) => void): () => void
}

/** its place on the host's ladder: after reverse connect, before the relay itself */
export const HOLE_PUNCH_ORDER = 200

export function holePunchRung(deps: RungDeps): HolePunchRung {
  const openRelayed = (peer: PeerId): Connection | undefined =>
    deps.components.connectionManager
      .getConnections(peer)
      .find((connection) => connection.status === 'open' && isRelayed(connection))
  return {
    name: 'hole-punch',
    order: HOLE_PUNCH_ORDER,
    timeout: deps.timeout,
    canTry: (peer, context) => deps.isStarted() && (context.relayed != null || openRelayed(peer) != null),
    attempt: async (peer, signal, context) => {
      const relayed = openRelayed(peer) ?? (await context.relayed?.())
      if (relayed == null) throw new HolePunchFailedError(`no relayed connection with ${peer.toString()}`)
      return awaitDirect(deps, peer, relayed, signal)
    },
  }
}

/** The first direct connection with `peer`, or why none will come over `relayed`. */
async function awaitDirect(
  deps: RungDeps,
  peer: PeerId,
  relayed: Connection,
  signal: AbortSignal,
): Promise<Connection> {
  const { events, connectionManager } = deps.components
  const isDirect = (candidate: Connection): boolean =>
    candidate.status === 'open' && !isRelayed(candidate) && candidate.remotePeer.equals(peer)
  const existing = connectionManager.getConnections(peer).find(isDirect)
  if (existing != null) return existing
  return new Promise<Connection>((resolve, reject) => {
    const cleanups: Array<() => void> = []
    const done = (fn: () => void): void => {
      for (const cleanup of cleanups.splice(0)) cleanup()
      fn()
    }
    const onOpen = (evt: CustomEvent<Connection>): void => {
      if (isDirect(evt.detail)) done(() => resolve(evt.detail))
    }
    const onClose = (evt: CustomEvent<Connection>): void => {
      if (evt.detail.id === relayed.id)
        done(() => reject(new HolePunchFailedError('the relayed connection closed before a punch')))
    }
    const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
      const { connection, protocols } = evt.detail
      if (connection.id === relayed.id && !protocols.includes(PROTOCOL))
        done(() => reject(new HolePunchFailedError(`${peer.toString()} does not speak ${PROTOCOL}`)))
    }
    const onAbort = (): void =>
      done(() => reject(signal.reason instanceof Error ? signal.reason : new HolePunchFailedError('aborted')))
    events.addEventListener('connection:open', onOpen)
    events.addEventListener('connection:close', onClose)
    events.addEventListener('peer:identify', onIdentify)
    signal.addEventListener('abort', onAbort, { once: true })
    cleanups.push(
      () => events.removeEventListener('connection:open', onOpen),
      () => events.removeEventListener('connection:close', onClose),
      () => events.removeEventListener('peer:identify', onIdentify),
      () => signal.removeEventListener('abort', onAbort),
      deps.watch(({ relayed: skipped, outcome }) => {
        if (skipped?.id === relayed.id)
          done(() => reject(new HolePunchSkippedError('the punch plan says no punch can work')))
        else if (outcome?.outcome === 'relay' && outcome.peer.equals(peer))
          done(() => reject(outcome.error ?? new HolePunchFailedError('the upgrade ended relayed')))
      }),
    )
    if (signal.aborted) onAbort()
  })
}
