/**
 * The asker's half of reverse connect: wait for the peer's connection to
 * arrive, inbound, while its answer to our dial-back request travels back.
 * The connection wins whenever it comes; a failure answer ends the wait at
 * once with `DialBackFailedError`; a success answer keeps waiting (our side
 * may still be upgrading) until the signal ends it.
 */
import type { Connection, Libp2pEvents, PeerId, TypedEventTarget } from '@libp2p/interface'
import { DialBackFailedError, SignallingStoppedError } from './errors.js'
import type { DialBackResult } from './messages.js'

export interface AwaitDialBackOptions {
  events: TypedEventTarget<Libp2pEvents>
  peerId: PeerId
  /** sends the request; resolves with the peer's answer */
  ask: () => Promise<DialBackResult>
  /** bounds the whole wait (timeout, caller, stop) */
  signal: AbortSignal
}

export async function awaitDialBack({
  events,
  peerId,
  ask,
  signal,
}: AwaitDialBackOptions): Promise<Connection> {
  let onOpen: ((evt: CustomEvent<Connection>) => void) | undefined
  let onAbort: (() => void) | undefined
  // listening starts before the request goes out, so an early connection is not missed
  const arrived = new Promise<Connection>((resolve) => {
    onOpen = (evt) => {
      const connection = evt.detail
      if (connection.direction === 'inbound' && connection.remotePeer.equals(peerId)) resolve(connection)
    }
    events.addEventListener('connection:open', onOpen)
  })
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new SignallingStoppedError('aborted'))
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  const answered = ask().then(async (result) => {
    if (!result.ok) {
      throw new DialBackFailedError(
        `${peerId.toString()} could not dial back: ${result.error ?? 'no reason given'}`,
      )
    }
    return new Promise<never>(() => {})
  })
  // whichever loses must not surface as an unhandled rejection
  answered.catch(() => {})
  aborted.catch(() => {})
  try {
    return await Promise.race([arrived, answered, aborted])
  } finally {
    if (onOpen !== undefined) events.removeEventListener('connection:open', onOpen)
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/**
 * The key the host's connection ladder reads a service's rung from
 * (`connectionLadderRungSymbol` in @weft/host, a `Symbol.for` so this
 * package needs no runtime dependency on the host).
 */
export const connectionLadderRungSymbol = Symbol.for('@weft/connection-ladder-rung')

/** The `reverse` rung's place on the host's ladder (`RUNG_ORDER.reverse`). */
export const REVERSE_RUNG_ORDER = 100

/** The shape of a connection-ladder rung (@weft/host's `ConnectionLadderRung`), written out here. */
export interface ReverseConnectRung {
  readonly name: 'reverse'
  readonly order: number
  canTry(peer: PeerId): boolean
  attempt(peer: PeerId, signal: AbortSignal): Promise<Connection>
}

export interface ReverseConnectTarget {
  /** whether a dial-back request can go out to `peer` now (a broker connected, an Ed25519 peer id, addresses of ours to offer) */
  canRequestDialBack(peer: PeerId): boolean
  requestDialBack(peer: PeerId, addrs: undefined, options: { signal: AbortSignal }): Promise<Connection>
}

/** The reverse-connect rung: ask the peer over MQTT to dial us back. */
export function reverseConnectRung(target: ReverseConnectTarget): ReverseConnectRung {
  return {
    name: 'reverse',
    order: REVERSE_RUNG_ORDER,
    canTry: (peer) => target.canRequestDialBack(peer),
    attempt: async (peer, signal) => target.requestDialBack(peer, undefined, { signal }),
  }
}
