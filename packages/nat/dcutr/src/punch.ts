/**
 * What both sides do with the addresses in a `Connect`: keep those we agree
 * to dial, then dial them all at once from the port of our connection to the
 * relay (the hole punch itself).
 */
import type { AbortOptions, Connection, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import type { AddressBook } from './address-book.js'
import { MAX_ENTRIES_EXAMINED, mayDial, punchAddresses } from './addresses.js'
import type { DCUtRConfig } from './config.js'
import { HolePunchFailedError } from './errors.js'
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

/** Dials every address at once from `localPort`; the first connection wins, the rest are cancelled. */
export async function punch(
  context: PunchContext,
  peer: PeerId,
  addrs: Multiaddr[],
  localPort: number | undefined,
  initiator: boolean,
  options: AbortOptions,
): Promise<Connection> {
  const { components, config } = context
  const cancel = new AbortController()
  const signal = anySignal([options.signal, context.service.signal, cancel.signal], config.punchTimeout)
  const upgrader = withRole(components.upgrader, peer, initiator)
  try {
    const connection = await Promise.any(
      addrs.map(async (address) => {
        const transport = components.transportManager.dialTransportForMultiaddr(address)
        if (transport == null) throw new HolePunchFailedError(`no transport dials ${address.toString()}`)
        // one dial per address per round: a refusal ends it, and the next
        // round (B's to start) is the retry
        const dialOptions = { upgrader, signal, localPort } // localPort: @weft/tcp's option
        return await transport.dial(address, dialOptions)
      }),
    )
    cancel.abort(new HolePunchFailedError('another address connected first'))
    return connection
  } catch (err) {
    const errors =
      err instanceof AggregateError ? err.errors.map((e: Error) => e.message).join('; ') : String(err)
    throw new HolePunchFailedError(`no direct connection to ${peer.toString()}: ${errors}`)
  } finally {
    signal.clear()
  }
}
