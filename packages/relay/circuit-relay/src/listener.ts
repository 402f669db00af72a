/**
 * The `/p2p-circuit` listener: "listening" through a relay means holding a
 * reservation on it. `<relay>/p2p/<id>/p2p-circuit` reserves on that relay
 * (listen() waits for it); a bare `/p2p-circuit` reserves on up to
 * `maxReservations` connected peers that speak the hop protocol, as they are
 * identified. Each reservation is refreshed `REFRESH_MARGIN` before it
 * expires (one timer per reservation) and dropped when its relay disconnects.
 */
import {
  type Connection,
  type IdentifyResult,
  type Libp2pEvents,
  type Listener,
  type ListenerEvents,
  type Logger,
  type PeerId,
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import { isCircuitAddress, parseCircuitAddress } from './addresses.js'
import { HOP_PROTOCOL, REFRESH_MARGIN } from './constants.js'
import { type Reservation, reserve } from './reservation.js'

export interface CircuitListenerComponents {
  events: TypedEventTarget<Libp2pEvents>
  connectionManager: {
    openConnection(target: Multiaddr | PeerId, options?: { signal?: AbortSignal }): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  /** to find relays among peers already connected when we learn we are private */
  peerStore?: { get(peerId: PeerId): Promise<{ protocols: string[] }> }
}

/** When a bare `/p2p-circuit` listener reserves: always, or only while AutoNAT says we are private. */
export type AutoReserve = 'always' | 'when-private'

export interface CircuitListenerInit {
  log: Logger
  /** ms a reservation request may take */
  reserveTimeout: number
  /** relays a bare `/p2p-circuit` listener reserves on */
  maxReservations: number
  autoReserve: AutoReserve
}

interface Held {
  relay: PeerId
  reservation: Reservation
  timer?: ReturnType<typeof setTimeout>
}

export class CircuitListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly held = new Map<string, Held>()
  private readonly pending = new Set<string>()
  private readonly shutdown = new AbortController()
  private auto = false
  private closed = false
  /** what the host's AutoNAT said last (`weft:reachability` events) */
  private reachability = 'unknown'

  constructor(
    private readonly components: CircuitListenerComponents,
    private readonly init: CircuitListenerInit,
  ) {
    super()
    this.onIdentify = this.onIdentify.bind(this)
    this.onDisconnect = this.onDisconnect.bind(this)
    this.onReachability = this.onReachability.bind(this)
  }

  async listen(address: Multiaddr): Promise<void> {
    const { relay } = parseCircuitAddress(address)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    if (relay == null) {
      this.auto = true
      this.components.events.addEventListener('peer:identify', this.onIdentify)
      this.reachabilityEvents.addEventListener('weft:reachability', this.onReachability)
      this.safeDispatchEvent('listening')
      return
    }
    const connection = await this.withTimeout((signal) =>
      this.components.connectionManager.openConnection(relay, { signal }),
    )
    await this.reserveOn(connection, true)
    this.safeDispatchEvent('listening')
  }

  /** `<relay address>/p2p/<relay>/p2p-circuit` for every reservation held. */
  getAddrs(): Multiaddr[] {
    const out: Multiaddr[] = []
    for (const { reservation } of this.held.values()) {
      for (const address of reservation.addrs) out.push(address.encapsulate('/p2p-circuit'))
    }
    return out
  }

  /** The reservations held now, by relay peer id. */
  getReservations(): Map<string, Reservation> {
    return new Map([...this.held].map(([key, held]) => [key, held.reservation]))
  }

  updateAnnounceAddrs(): void {}

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.shutdown.abort()
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.reachabilityEvents.removeEventListener('weft:reachability', this.onReachability)
    for (const held of this.held.values()) clearTimeout(held.timer)
    this.held.clear()
    this.safeDispatchEvent('close')
  }

  private async withTimeout<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = anySignal([this.shutdown.signal], this.init.reserveTimeout)
    try {
      return await run(signal)
    } finally {
      signal.clear()
    }
  }

  private async reserveOn(connection: Connection, rethrow: boolean): Promise<void> {
    const key = connection.remotePeer.toString()
    if (this.pending.has(key) || this.closed) return
    this.pending.add(key)
    try {
      const reservation = await this.withTimeout((signal) => reserve(connection, { signal }))
      if (this.closed) return
      const previous = this.held.get(key)
      clearTimeout(previous?.timer)
      const held: Held = { relay: connection.remotePeer, reservation }
      const refreshIn = Math.max(1_000, reservation.expires - Date.now() - REFRESH_MARGIN)
      held.timer = setTimeout(() => void this.refresh(held), refreshIn)
      this.held.set(key, held)
      this.init.log(
        'reserved on %p until %s',
        connection.remotePeer,
        new Date(reservation.expires).toISOString(),
      )
      if (previous == null && this.auto) this.safeDispatchEvent('listening')
    } catch (err) {
      this.init.log('reservation on %p failed: %s', connection.remotePeer, (err as Error).message)
      if (rethrow) throw err
    } finally {
      this.pending.delete(key)
    }
  }

  private async refresh(held: Held): Promise<void> {
    const key = held.relay.toString()
    if (this.held.get(key) !== held || this.closed) return
    try {
      const connection = await this.withTimeout((signal) =>
        this.components.connectionManager.openConnection(held.relay, { signal }),
      )
      await this.reserveOn(connection, true)
    } catch (err) {
      this.init.log('could not refresh the reservation on %p: %s', held.relay, (err as Error).message)
      if (this.held.get(key) === held) this.drop(key)
    }
  }

  private drop(key: string): void {
    const held = this.held.get(key)
    if (held == null) return
    clearTimeout(held.timer)
    this.held.delete(key)
    // the address list changed
    this.safeDispatchEvent('listening')
  }

  private onDisconnect(evt: CustomEvent<PeerId>): void {
    this.drop(evt.detail.toString())
  }

  /** The host's bus, typed for the `weft:reachability` event AutoNAT dispatches there. */
  private get reachabilityEvents(): TypedEventTarget<Record<string, CustomEvent<string>>> {
    return this.components.events as unknown as TypedEventTarget<Record<string, CustomEvent<string>>>
  }

  private wantsReservations(): boolean {
    return this.init.autoReserve === 'always' || this.reachability === 'private'
  }

  private onReachability(evt: CustomEvent<string>): void {
    const previous = this.reachability
    this.reachability = evt.detail
    if (this.init.autoReserve !== 'when-private' || previous === evt.detail) return
    if (evt.detail === 'private') {
      void this.reserveOnConnectedRelays()
    } else if (evt.detail === 'public') {
      // reachable directly: relays are no longer needed (their slots expire on their own)
      for (const key of [...this.held.keys()]) this.drop(key)
    }
  }

  /** Looks for relays among the peers connected now (their protocols are in the peer store after identify). */
  private async reserveOnConnectedRelays(): Promise<void> {
    const { peerStore, connectionManager } = this.components
    if (peerStore == null) return
    for (const connection of connectionManager.getConnections()) {
      if (this.held.size + this.pending.size >= this.init.maxReservations || this.closed) return
      if (connection.status !== 'open' || isCircuitAddress(connection.remoteAddr)) continue
      if (this.held.has(connection.remotePeer.toString())) continue
      const peer = await peerStore.get(connection.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(HOP_PROTOCOL) === true) await this.reserveOn(connection, false)
    }
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { connection, protocols } = evt.detail
    if (!protocols.includes(HOP_PROTOCOL) || !this.wantsReservations()) return
    if (this.held.size + this.pending.size >= this.init.maxReservations) return
    if (this.held.has(connection.remotePeer.toString())) return
    if (isCircuitAddress(connection.remoteAddr)) return
    void this.reserveOn(connection, false)
  }
}
