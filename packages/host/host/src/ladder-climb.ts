/**
 * One climb of the connection ladder (connection-ladder.ts) for a dial by
 * peer id: the host's own rungs (`direct` over the peer's plain addresses,
 * `relay` over its circuit addresses) and the services', configured (off,
 * reordered, timed) and raced (internal/ladder-race.ts). The dial's relayed
 * connection is opened at most once and shared by every rung that asks.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, raceSignal } from '@weft/utils'
import type { DialerConfig } from './config.js'
import {
  type ConnectionLadderRung,
  type LadderContext,
  type LadderRecord,
  RUNG_ORDER,
} from './connection-ladder.js'
import { NoValidAddressesError, UnexpectedPeerError } from './errors.js'
import { isRelayed } from './internal/addresses.js'
import { type RaceRung, raceRungs } from './internal/ladder-race.js'

export interface ClimbDeps {
  /** the dial's signal (the host stopping, every caller gone) */
  signal: AbortSignal
  config: DialerConfig
  /** the rungs the host's services and transports offer */
  serviceRungs: readonly ConnectionLadderRung[]
  /** why the peer has no address, when it has none (thrown when no rung can try either) */
  noAddresses: Error | undefined
  /** dials `addresses` of the peer, happy eyeballs (the dialer's) */
  dial(addresses: Multiaddr[], signal: AbortSignal): Promise<Connection>
}

export async function climbLadder(
  peerId: PeerId,
  addresses: Multiaddr[],
  deps: ClimbDeps,
): Promise<{ connection: Connection; record: LadderRecord }> {
  const { signal, noAddresses } = deps
  const { ladder } = deps.config
  // one relayed connection per dial, shared by the relay rung and the rungs
  // that signal over it (hole punching), whichever asks first
  const relayedAddresses = addresses.filter((address) => isRelayed(address))
  const relayTimeout = ladder.rungs.get('relay')?.timeout ?? ladder.rungTimeout
  let relayedDial: Promise<Connection> | undefined
  const relayed =
    relayedAddresses.length > 0 && ladder.rungs.get('relay')?.enabled !== false
      ? async () => {
          relayedDial ??= (async () => {
            const bounded = anySignal([signal], relayTimeout)
            try {
              return await deps.dial(relayedAddresses, bounded)
            } finally {
              bounded.clear()
            }
          })()
          return relayedDial
        }
      : undefined
  const rungs = configuredRungs(addresses, deps)
  const context: LadderContext = { addresses, rungs: rungs.map((rung) => rung.name), relayed }
  const race: Array<RaceRung<Connection>> = rungs.map((rung) => ({
    name: rung.name,
    timeout: rung.timeout,
    canTry: async () => rung.canTry(peerId, context),
    attempt: async (rungSignal) => {
      const connection = await rung.attempt(peerId, rungSignal, context)
      if (!connection.remotePeer.equals(peerId)) {
        const err = new UnexpectedPeerError(
          `the ${rung.name} rung reached ${connection.remotePeer.toString()}, not ${peerId.toString()}`,
        )
        connection.abort(err)
        throw err
      }
      return connection
    },
  }))
  let won: Awaited<ReturnType<typeof raceRungs<Connection>>> | undefined
  try {
    won = await raceRungs(race, {
      signal,
      stagger: ladder.stagger,
      limitedWait: ladder.relayedWait,
      isLimited: (connection) => connection.limits != null || isRelayed(connection.remoteAddr),
      onSurplus: closeSurplus,
    })
  } catch (err) {
    // every rung skipped: nothing could be tried
    if (err instanceof AggregateError && err.errors.length === 0) {
      throw (
        noAddresses ??
        new NoValidAddressesError(`no rung of the connection ladder can reach ${peerId.toString()}`)
      )
    }
    throw err
  } finally {
    // the shared relayed connection, when it did not win, is not kept
    relayedDial?.then(
      (connection) => {
        if (connection !== won?.result) closeSurplus(connection)
      },
      () => {},
    )
  }
  const connection = won.result
  const record: LadderRecord = {
    peer: peerId,
    rung: won.rung,
    limited: connection.limits != null || isRelayed(connection.remoteAddr),
    ms: Math.round(won.ms),
    rungs: won.rungs,
  }
  return { connection, record }
}

/** The host's rungs and the services', configured (off, order, timeout), in ladder order. */
function configuredRungs(
  addresses: Multiaddr[],
  deps: ClimbDeps,
): Array<ConnectionLadderRung & { timeout: number }> {
  const { ladder, dialTimeout } = deps.config
  const direct = addresses.filter((address) => !isRelayed(address))
  const own: ConnectionLadderRung[] = [
    {
      name: 'direct',
      order: RUNG_ORDER.direct,
      timeout: dialTimeout,
      canTry: () => direct.length > 0,
      attempt: async (_peer, signal) => deps.dial(direct, signal),
    },
    {
      name: 'relay',
      order: RUNG_ORDER.relay,
      canTry: (_peer, context) => context.relayed != null,
      attempt: async (_peer, signal, context) => {
        if (context.relayed == null) throw new NoValidAddressesError('no relayed address to dial')
        return raceSignal(context.relayed(), signal)
      },
    },
  ]
  const configured: Array<ConnectionLadderRung & { timeout: number }> = []
  for (const rung of [...own, ...deps.serviceRungs]) {
    const config = ladder.rungs.get(rung.name)
    if (config?.enabled === false) continue
    const order = config?.order ?? rung.order
    const timeout = config?.timeout ?? rung.timeout ?? ladder.rungTimeout
    configured.push({
      name: rung.name,
      order,
      timeout,
      canTry: (peer, context) => rung.canTry(peer, context),
      attempt: async (peer, signal, context) => rung.attempt(peer, signal, context),
    })
  }
  // a stable sort: equal orders keep the host's rungs first, then the services' in turn
  return configured.sort((a, b) => a.order - b.order)
}

/** A connection that lost a race: closed, or aborted when it will not close. */
export function closeSurplus(surplus: Connection): void {
  surplus.close().catch((err: Error) => surplus.abort(err))
}
