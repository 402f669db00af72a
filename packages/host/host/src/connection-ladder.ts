/**
 * The connection ladder: the ways the dialer tries, in order, to reach a
 * peer dialed by its id alone (addresses from the peer store) — direct (the peer's own and mapped addresses) → reverse
 * connect (ask the peer over a signalling channel to dial us) → hole
 * punching → circuit relay → TURN. Rungs that can run together race
 * staggered (internal/ladder-race.ts); the first direct connection wins, a
 * relayed one only once every rung above it has given up.
 *
 * The host brings two rungs of its own, `direct` (non-circuit addresses) and
 * `relay` (`/p2p-circuit` addresses, dialed by whichever transport handles
 * them). Services bring the others without the host depending on them: a
 * service exposing `[connectionLadderRungSymbol]` (as peer discovery does
 * with `peerDiscoverySymbol`) contributes its rung(s). Each rung can be
 * switched off, reordered or given another timeout in `createHost`'s
 * `connectionManager.ladder` option, by name.
 *
 * The dial reports which rung made the connection and how long each took:
 * the `connection:ladder` event on the host (detail: `LadderRecord`) and the
 * connection's `ladder` property.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RungTiming } from './internal/ladder-race.js'

export type { RungOutcome, RungTiming } from './internal/ladder-race.js'

/**
 * The key under which a service offers its rung(s) of the connection ladder:
 * `Symbol.for('@weft/connection-ladder-rung')`, so a package can define the
 * same symbol without depending on @weft/host.
 */
export const connectionLadderRungSymbol = Symbol.for('@weft/connection-ladder-rung')

/** The event the host dispatches after each dial by peer id (detail: `LadderRecord`). */
export const CONNECTION_LADDER_EVENT = 'connection:ladder'

/** Where the standard rungs stand; a service's rung picks its own `order`. */
export const RUNG_ORDER = {
  direct: 0,
  reverse: 100,
  'hole-punch': 200,
  relay: 300,
  turn: 400,
} as const

/** What a rung gets to decide and to act on. */
export interface LadderContext {
  /** the peer's addresses this dial considers (given, or from the peer store), in dial order */
  readonly addresses: readonly Multiaddr[]
  /** the names of the rungs this dial runs, in ladder order */
  readonly rungs: readonly string[]
  /**
   * The relayed connection of this dial (the peer's `/p2p-circuit`
   * addresses), opened by whichever rung asks first and shared: the relay
   * rung returns it, a hole-punch rung signals over it. Undefined when the
   * peer has no relayed address or the relay rung is off.
   */
  readonly relayed?: () => Promise<Connection>
}

/** One way of reaching a peer. */
export interface ConnectionLadderRung {
  /** the name options and reports use: `direct`, `reverse`, `hole-punch`, `relay`, `turn`, … */
  readonly name: string
  /** its place on the ladder: lower runs first (see `RUNG_ORDER`) */
  readonly order: number
  /** ms the rung may take (default: the ladder's `rungTimeout`; options override both) */
  readonly timeout?: number
  /** whether the rung can do anything for this peer now; false skips it at once */
  canTry(peer: PeerId, context: LadderContext): boolean | Promise<boolean>
  /** a connection to `peer`; must give up (reject) when `signal` aborts */
  attempt(peer: PeerId, signal: AbortSignal, context: LadderContext): Promise<Connection>
}

/** A service that offers rungs of the connection ladder. */
export interface ConnectionLadderRungProvider {
  readonly [connectionLadderRungSymbol]: ConnectionLadderRung | readonly ConnectionLadderRung[]
}

/** How one dial went: the rung that made the connection and what each rung did. */
export interface LadderRecord {
  peer: PeerId
  /** the rung that made the connection */
  rung: string
  /** the connection is relayed (has limits) */
  limited: boolean
  /** ms from the start of the ladder to the connection */
  ms: number
  /** every rung of the ladder, in order, with its outcome and time */
  rungs: RungTiming[]
}

/** Options for one rung, by name (`false`: switched off). */
export interface RungInit {
  /** false switches the rung off (default true) */
  enabled?: boolean
  /** another place on the ladder (default: the rung's own) */
  order?: number
  /** ms the rung may take */
  timeout?: number
}

export interface LadderInit {
  /** per-rung options by rung name, e.g. `{ relay: false, 'hole-punch': { timeout: 8_000 } }` */
  rungs?: Record<string, RungInit | false>
  /** ms before the next rung starts while earlier ones still run (default 500) */
  stagger?: number
  /** ms a rung may take when neither it nor the options say (default 10 000; `direct` takes `dialTimeout`) */
  rungTimeout?: number
  /**
   * ms a relayed connection waits for the rungs above it (a hole punch) before
   * the dial returns it anyway (default 2 000); the upgrade goes on in the
   * background
   */
  relayedWait?: number
}

/**
 * The rungs the modules offer (those exposing `[connectionLadderRungSymbol]`):
 * services by name, or a list (the host passes its transports too, so a
 * dial-only transport such as TURN can offer its rung).
 */
export function findRungs(modules: Record<string, unknown> | readonly unknown[]): ConnectionLadderRung[] {
  const found: ConnectionLadderRung[] = []
  for (const service of Array.isArray(modules) ? modules : Object.values(modules)) {
    if (service == null || (typeof service !== 'object' && typeof service !== 'function')) continue
    const offered = (service as Partial<ConnectionLadderRungProvider>)[connectionLadderRungSymbol]
    if (offered == null) continue
    for (const rung of Array.isArray(offered) ? offered : [offered]) {
      if (isRung(rung)) found.push(rung)
    }
  }
  return found
}

function isRung(value: unknown): value is ConnectionLadderRung {
  const rung = value as Partial<ConnectionLadderRung> | null
  return (
    rung != null &&
    typeof rung.name === 'string' &&
    rung.name !== '' &&
    typeof rung.order === 'number' &&
    typeof rung.canTry === 'function' &&
    typeof rung.attempt === 'function'
  )
}
