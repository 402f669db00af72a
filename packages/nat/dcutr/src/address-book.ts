/**
 * What identify told DCUtR about addresses: the address each direct
 * connection's remote saw us at (the relay's view is what we advertise), and
 * the listen addresses a peer announced over a relayed connection (what a
 * unilateral upgrade dials). Both are keyed by connection id and bounded.
 */
import type { Connection, IdentifyResult } from '@libp2p/interface'
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  isPublic,
  isPublicTcp,
  isPunchableQuic,
  isPunchableTcp,
  isRelayed,
  relayOf,
  tcpPort,
  udpPort,
} from './addresses.js'
import type { DCUtRComponents } from './types.js'

/** connections remembered in each map */
export const MAX_OBSERVED = 1024

/** What we tell the peer to dial, and where we dial from. */
export interface PunchPlan {
  /** what we tell the peer to dial */
  addrs: Multiaddr[]
  /** the port we dial from */
  localPort?: number
}

export class AddressBook {
  /** the address each direct connection's remote observed us at, by connection id */
  private readonly observed = new Map<string, Multiaddr>()
  /** listen addresses peers announced over relayed connections, by connection id */
  private readonly announced = new Map<string, Multiaddr[]>()

  constructor(
    private readonly components: Pick<DCUtRComponents, 'connectionManager' | 'addressManager'>,
    private readonly maxAddresses: number,
  ) {}

  /** Records what an identify exchange told us. */
  record(result: IdentifyResult): void {
    const { connection, observedAddr, listenAddrs } = result
    if (isRelayed(connection)) {
      if (this.announced.size < MAX_OBSERVED) this.announced.set(connection.id, listenAddrs.slice(0, 32))
      return
    }
    if (observedAddr == null) return
    if (this.observed.size >= MAX_OBSERVED && !this.observed.has(connection.id)) return
    this.observed.set(connection.id, observedAddr)
  }

  /** Whether identify over `connectionId` has told us the peer's listen addresses. */
  hasAnnounced(connectionId: string): boolean {
    return this.announced.has(connectionId)
  }

  /** The listen addresses the peer announced over `connectionId` (none when not known). */
  announcedOn(connectionId: string): Multiaddr[] {
    return this.announced.get(connectionId) ?? []
  }

  forget(connectionId: string): void {
    this.observed.delete(connectionId)
    this.announced.delete(connectionId)
  }

  clear(): void {
    this.observed.clear()
    this.announced.clear()
  }

  /** What to advertise and where to dial from: our connection to the relay this circuit runs through. */
  punchPlan(relayed: Connection): PunchPlan {
    const relay = relayOf(relayed.remoteAddr)
    const toRelays = this.components.connectionManager
      .getConnections()
      .filter((connection) => connection.remotePeer.toString() === relay && !isRelayed(connection))
      .filter((connection) => this.observed.has(connection.id))
    // a TCP one first: the TCP punch leaves from its local port (a QUIC one's
    // observation still counts among the QUIC addresses below)
    const toRelay =
      toRelays.find((connection) => isPunchableTcp(this.observed.get(connection.id)!)) ?? toRelays[0]
    if (toRelay == null) return { addrs: [] }
    const observed = this.observed.get(toRelay.id)!
    const localAddr = (toRelay as { localAddr?: Multiaddr }).localAddr
    const own = (this.components.addressManager?.getAddresses() ?? []).map((address) =>
      address.getComponents().at(-1)?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address,
    )
    const tcp = this.tcpAddresses(observed, own.filter(isPunchableTcp))
    const quic = this.quicAddresses(observed, own.filter(isPunchableQuic))
    return {
      // QUIC first: a peer that dials both prefers it
      addrs: [...quic.slice(0, this.maxAddresses), ...tcp.slice(0, this.maxAddresses)],
      localPort: localAddr == null ? undefined : tcpPort(localAddr),
    }
  }

  /**
   * The relay-observed TCP address, then our TCP listen ports on its IP:
   * behind an endpoint-independent filter (full cone) or port-preserving
   * forward, any peer reaches the listener there, even one behind a
   * symmetric NAT, whose punch can never meet our punching socket. A public
   * listen address of ours is reachable whatever the peer's NAT does: it
   * comes last.
   */
  private tcpAddresses(observed: Multiaddr, own: Multiaddr[]): Multiaddr[] {
    const ip = observed.getComponents()[0]!
    const mapped = isPunchableTcp(observed)
      ? [...new Set(own.map(tcpPort))].map((port) => multiaddr(`/${ip.name}/${ip.value}/tcp/${port}`))
      : []
    return unique([observed, ...mapped, ...own.filter(isPublicTcp)])
  }

  /**
   * Our QUIC listening sockets as others see them: each QUIC address a peer
   * observed (a QUIC dial leaves from the listening socket, so behind an
   * endpoint-independent NAT that is the mapping every peer meets), then our
   * QUIC listen ports on the IP the relay saw (a port-preserving NAT maps
   * them there), then our public QUIC listen addresses.
   */
  private quicAddresses(observed: Multiaddr, own: Multiaddr[]): Multiaddr[] {
    if (own.length === 0) return []
    // private observations (a peer on our LAN) say nothing about the NAT
    const seen = [...this.observed.values()].filter(isPublic).filter(isPunchableQuic)
    const ip = observed.getComponents()[0]!
    const mapped = [...new Set(own.map(udpPort))].map((port) =>
      multiaddr(`/${ip.name}/${ip.value}/udp/${port}/quic-v1`),
    )
    return unique([...seen, ...mapped, ...own.filter(isPublic)])
  }
}

function unique(addresses: Multiaddr[]): Multiaddr[] {
  const byText = new Map(addresses.map((address) => [address.toString(), address]))
  return [...byText.values()]
}
