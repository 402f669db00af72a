/**
 * The dialer: turns "connect to this peer / these addresses" into one
 * connection. Dials to the same peer share one attempt; at most
 * `maxParallelDials` run at once with the rest queued (up to
 * `maxDialQueueLength`); each dial is bounded by `dialTimeout`, tries the
 * peer's addresses in happy-eyeballs order (IPv6 and IPv4 alternating,
 * staggered, first success wins, the others aborted) and checks that the
 * remote proves the expected peer id.
 *
 * A dial by peer id climbs the connection ladder (connection-ladder.ts):
 * the `direct` rung dials the peer's non-circuit addresses as above, the
 * `relay` rung its `/p2p-circuit` ones, and rungs the services offer (reverse
 * connect, hole punching, TURN) run in between or after, staggered. The
 * connection carries a `ladder` record and the host dispatches
 * `connection:ladder`. A dial to given addresses (with or without a peer
 * id), or with `ladder: false`, races those addresses at once, as before.
 */
import {
  type ComponentLogger,
  type Connection,
  type ConnectionGater,
  type Libp2pEvents,
  type Logger,
  NotStartedError,
  type PeerId,
  type PeerStore,
  type PendingDial,
  type PendingDialStatus,
  setMaxListeners,
  type TypedEventTarget,
  type Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, raceSignal, reportProgress } from '@weft/utils'
import type { AddressManager, OpenConnectionOptions, TransportManager } from './components.js'
import { type DialerConfig, resolveDialerConfig } from './config.js'
import {
  CONNECTION_LADDER_EVENT,
  type ConnectionLadderRung,
  type LadderInit,
  type LadderRecord,
} from './connection-ladder.js'
import { addressesToDial } from './dial-addresses.js'
import { DialSlots } from './dial-slots.js'
import {
  ConnectionDeniedError,
  DialQueueFullError,
  NoValidAddressesError,
  UnexpectedPeerError,
} from './errors.js'
import { peerIdFromAddress, withoutPeerId } from './internal/addresses.js'
import { raceAttempts } from './internal/happy-eyeballs.js'
import { localNetworks } from './internal/local-networks.js'
import { climbLadder, closeSurplus } from './ladder-climb.js'

export interface DialerComponents {
  peerId: PeerId
  logger: ComponentLogger
  peerStore: PeerStore
  connectionGater: ConnectionGater
  transportManager: Pick<TransportManager, 'dial' | 'dialTransportForMultiaddr'>
  addressManager: Pick<AddressManager, 'getListenAddrs'>
  /** `forRemotePeer` (weft's upgrader) lets a dial insist on the peer it expects */
  upgrader: Upgrader & { forRemotePeer?(peer: PeerId | undefined): Upgrader }
  /** where `connection:ladder` goes (the host's bus) */
  events?: TypedEventTarget<Libp2pEvents>
  /** our networks' CIDR blocks, which a dial tries first (default: this machine's interfaces) */
  localNetworks?: () => readonly string[]
}

export interface DialerInit {
  /** ms a whole dial may take, all addresses included (default 5 000) */
  dialTimeout?: number
  /** dials running at once (default 100) */
  maxParallelDials?: number
  /** dials waiting for a slot before new ones fail with DialQueueFullError (default 500) */
  maxDialQueueLength?: number
  /** addresses of one peer considered per dial (default 25) */
  maxPeerAddrsToDial?: number
  /** addresses of one peer tried at once (default 4) */
  maxDialsPerPeer?: number
  /** ms before the next address starts while earlier ones still run (RFC 8305; default 250) */
  addressDialDelay?: number
  /** the connection ladder for dials by peer id: rungs switched off, reordered, timed (connection-ladder.ts) */
  ladder?: LadderInit
}

/** What to dial: a peer (with or without addresses), or addresses alone. */
export interface DialRequest {
  peerId?: PeerId
  addresses: Multiaddr[]
}

interface Dial {
  entry: PendingDial
  promise: Promise<Connection>
  controller: AbortController
  waiters: number
}

let nextDialId = 0

export class Dialer {
  private readonly pending = new Map<string, Dial>()
  /** the rungs services offer (`[connectionLadderRungSymbol]`), set once they are built */
  private serviceRungs: ConnectionLadderRung[] = []
  private readonly slots: DialSlots
  private shutdown = new AbortController()
  private readonly log: Logger

  constructor(
    private readonly components: DialerComponents,
    private readonly config: DialerConfig = resolveDialerConfig(),
  ) {
    this.log = components.logger.forComponent('weft:dialer')
    this.slots = new DialSlots(config.maxParallelDials)
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
  }

  start(): void {
    if (this.shutdown.signal.aborted) {
      this.shutdown = new AbortController()
      setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
    }
  }

  /** Aborts every dial, running or queued. */
  stop(): void {
    this.shutdown.abort(new NotStartedError('the host is stopping'))
    this.slots.rejectWaiting(new NotStartedError('the host is stopping'))
  }

  /** Adds rungs to the connection ladder (the host passes those its services offer). */
  addRungs(rungs: ConnectionLadderRung[]): void {
    this.serviceRungs = [...this.serviceRungs, ...rungs]
  }

  getDialQueue(): PendingDial[] {
    return [...this.pending.values()].map((dial) => ({
      ...dial.entry,
      multiaddrs: [...dial.entry.multiaddrs],
    }))
  }

  async dial(request: DialRequest, options: OpenConnectionOptions = {}): Promise<Connection> {
    if (this.shutdown.signal.aborted) throw new NotStartedError('the host is not started')
    // a forced dial asks for a connection of its own: it never joins another dial
    const key =
      options.force === true
        ? `force ${nextDialId}`
        : (request.peerId?.toString() ?? request.addresses.map(String).sort().join(' '))
    let dial = options.force === true ? undefined : this.pending.get(key)
    if (dial != null) {
      reportProgress(options, 'dial-queue:already-in-dial-queue')
    } else {
      if (this.slots.waiting >= this.config.maxDialQueueLength) {
        throw new DialQueueFullError(
          `${this.slots.waiting} dials are queued, the limit is ${this.config.maxDialQueueLength}`,
        )
      }
      reportProgress(options, 'dial-queue:add-to-dial-queue')
      dial = this.createDial(key, request, options)
    }
    dial.waiters++
    try {
      return await raceSignal(dial.promise, options.signal)
    } finally {
      // the last caller who gives up takes the dial down with it
      if (--dial.waiters === 0 && dial.entry.status !== 'success' && dial.entry.status !== 'error') {
        dial.controller.abort(
          options.signal?.reason ?? new NotStartedError('every caller gave up on the dial'),
        )
      }
    }
  }

  private createDial(key: string, request: DialRequest, options: OpenConnectionOptions): Dial {
    const controller = new AbortController()
    const entry: PendingDial = {
      id: `dial-${nextDialId++}`,
      status: 'queued',
      peerId: request.peerId,
      multiaddrs: [...request.addresses],
    }
    const dial: Dial = { entry, controller, waiters: 0, promise: undefined as unknown as Promise<Connection> }
    const setStatus = (status: PendingDialStatus): void => {
      entry.status = status
    }
    dial.promise = (async () => {
      // the ladder's rungs each have a timeout of their own; waiting for a
      // slot and finding addresses take at most `dialTimeout`
      const signal = anySignal([this.shutdown.signal, controller.signal])
      setMaxListeners(Number.POSITIVE_INFINITY, signal)
      let holdsSlot = false
      try {
        const queued = anySignal([signal], this.config.dialTimeout)
        try {
          await this.slots.take(queued)
        } finally {
          queued.clear()
        }
        holdsSlot = true
        setStatus('active')
        reportProgress(options, 'dial-queue:start-dial')
        const connection = await this.run(request, entry, signal, options)
        setStatus('success')
        return connection
      } catch (err) {
        setStatus('error')
        throw err
      } finally {
        signal.clear()
        if (holdsSlot) this.slots.release()
        this.pending.delete(key)
      }
    })()
    dial.promise.catch(() => {})
    this.pending.set(key, dial)
    return dial
  }

  private async run(
    request: DialRequest,
    entry: PendingDial,
    signal: AbortSignal,
    options: OpenConnectionOptions,
  ): Promise<Connection> {
    const { peerId } = request
    const gater = this.components.connectionGater
    // the ladder is for dials by peer id; given addresses are dialed as they are
    const climbs = peerId != null && request.addresses.length === 0 && options.ladder !== false
    const early = anySignal([signal], this.config.dialTimeout)
    let addresses: Multiaddr[]
    let noAddresses: Error | undefined
    try {
      if (peerId != null && (await gater.denyDialPeer?.(peerId)) === true) {
        throw new ConnectionDeniedError(`the connection gater denied dialing ${peerId.toString()}`)
      }
      addresses = await addressesToDial(
        this.components,
        request,
        this.config.maxPeerAddrsToDial,
        { signal: early },
        (this.components.localNetworks ?? localNetworks)(),
      )
    } catch (err) {
      // a service rung (reverse connect over signalling) may reach a peer without addresses
      if ((err as Error).name !== NoValidAddressesError.name || !climbs || this.serviceRungs.length === 0)
        throw err
      noAddresses = err as Error
      addresses = []
    } finally {
      early.clear()
    }
    entry.multiaddrs = addresses
    reportProgress(
      options,
      'dial-queue:calculated-addresses',
      addresses.map((multiaddr) => ({ multiaddr, isCertified: false })),
    )
    if (!climbs || peerId == null) {
      const bounded = anySignal([signal], this.config.dialTimeout)
      try {
        const connection = await this.dialAddresses(addresses, peerId, bounded, options)
        this.remember(connection)
        return connection
      } finally {
        bounded.clear()
      }
    }
    return this.climb(peerId, addresses, signal, options, noAddresses)
  }

  /** Dials `addresses` happy-eyeballs style; the remote must be `peerId` when given. */
  private async dialAddresses(
    addresses: Multiaddr[],
    peerId: PeerId | undefined,
    signal: AbortSignal,
    options: OpenConnectionOptions,
  ): Promise<Connection> {
    const upgrader = this.components.upgrader.forRemotePeer?.(peerId) ?? this.components.upgrader
    return raceAttempts(
      addresses,
      async (address, attemptSignal) => {
        this.log('dialing %s', address.toString())
        const connection = await this.components.transportManager.dial(address, {
          signal: attemptSignal,
          upgrader,
          onProgress: options.onProgress,
          ...(options.portUse == null ? {} : { portUse: options.portUse }),
        })
        if (peerId != null && !connection.remotePeer.equals(peerId)) {
          const err = new UnexpectedPeerError(
            `dialed ${peerId.toString()} at ${address.toString()} but reached ${connection.remotePeer.toString()}`,
          )
          connection.abort(err)
          throw err
        }
        return connection
      },
      {
        signal,
        stagger: this.config.addressDialDelay,
        concurrency: this.config.maxDialsPerPeer,
        onSurplus: closeSurplus,
      },
    )
  }

  /** The connection ladder (ladder-climb.ts) for a dial by peer id. */
  private async climb(
    peerId: PeerId,
    addresses: Multiaddr[],
    signal: AbortSignal,
    options: OpenConnectionOptions,
    noAddresses: Error | undefined,
  ): Promise<Connection> {
    const { connection, record } = await climbLadder(peerId, addresses, {
      signal,
      config: this.config,
      serviceRungs: this.serviceRungs,
      noAddresses,
      dial: async (list, dialSignal) => this.dialAddresses(list, peerId, dialSignal, options),
    })
    this.log('reached %p by the %s rung in %d ms', peerId, record.rung, record.ms)
    ;(connection as Connection & { ladder?: LadderRecord }).ladder = record
    this.remember(connection)
    const events = this.components.events as
      | { safeDispatchEvent(type: string, init: CustomEventInit<LadderRecord>): boolean }
      | undefined
    events?.safeDispatchEvent(CONNECTION_LADDER_EVENT, { detail: record })
    return connection
  }

  /** The address that worked goes to the peer store, so a later dial by peer id finds it. */
  private remember(connection: Connection): void {
    const address = withoutPeerId(connection.remoteAddr)
    if (peerIdFromAddressSafe(address) != null) return
    this.components.peerStore.merge(connection.remotePeer, { multiaddrs: [address] }).catch((err: Error) => {
      this.log('could not remember %s: %s', address.toString(), err.message)
    })
  }
}

function peerIdFromAddressSafe(address: Multiaddr): PeerId | undefined {
  try {
    return peerIdFromAddress(address)
  } catch {
    return undefined
  }
}
