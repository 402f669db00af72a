/**
 * Inbound admission: which inbound connections may start their upgrade.
 *
 * At most `maxIncomingPendingConnections` inbound upgrades run at once, of
 * which at most `maxIncomingPendingConnectionsPerAddress` come from one
 * remote IP address (so one source cannot hold every upgrade slot until the
 * upgrade timeout; addresses without an IP, such as memory ones, are not
 * counted per address). A relayed upgrade has no IP of its own: it counts
 * once for its relay and once for the peer it claims to come from, each
 * under the same per-address cap, and relayed upgrades together hold at most
 * `maxIncomingPendingRelayedConnections` slots, so no relay, and no set of
 * relays, can take the slots direct connections need.
 */
import type { Logger, MultiaddrConnection } from '@libp2p/interface'
import {
  CODE_IP4,
  CODE_IP6,
  CODE_IP6ZONE,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  type Multiaddr,
} from '@multiformats/multiaddr'
import type { ConnectionManagerConfig } from './config.js'
import { isRelayed } from './internal/addresses.js'

/** The connection table as admission sees it: how full it is. */
export interface ConnectionCount {
  connectionCount(): number
  getMaxConnections(): number
}

export class InboundAdmission {
  private incomingPending = 0
  private incomingPendingRelayed = 0
  /** the slot keys (remote IP, or relay and claimed peer) of each inbound connection being upgraded */
  private readonly pendingAddress = new Map<MultiaddrConnection, string[]>()
  /** how many inbound upgrades each remote IP holds */
  private readonly pendingPerAddress = new Map<string, number>()

  constructor(
    private readonly table: ConnectionCount,
    private readonly config: Omit<ConnectionManagerConfig, 'maxConnections'>,
    private readonly log: Logger,
  ) {}

  /** Takes an upgrade slot for `maConn`, or returns false when a limit refuses it. */
  admit(maConn: MultiaddrConnection): boolean {
    const { maxIncomingPendingConnections, maxIncomingPendingPerAddress, maxIncomingPendingRelayed } =
      this.config
    if (this.incomingPending >= maxIncomingPendingConnections) {
      this.log('refusing %s: %d inbound upgrades pending', maConn.remoteAddr.toString(), this.incomingPending)
      return false
    }
    const maxConnections = this.table.getMaxConnections()
    if (this.table.connectionCount() + this.incomingPending >= maxConnections) {
      this.log('refusing %s: at the limit of %d connections', maConn.remoteAddr.toString(), maxConnections)
      return false
    }
    const relayed = isRelayed(maConn.remoteAddr)
    if (relayed && this.incomingPendingRelayed >= maxIncomingPendingRelayed) {
      this.log(
        'refusing %s: %d relayed inbound upgrades pending',
        maConn.remoteAddr.toString(),
        this.incomingPendingRelayed,
      )
      return false
    }
    const keys = slotKeys(maConn.remoteAddr)
    for (const key of keys) {
      const held = this.pendingPerAddress.get(key) ?? 0
      if (held >= maxIncomingPendingPerAddress) {
        this.log('refusing %s: %d inbound upgrades pending from %s', maConn.remoteAddr.toString(), held, key)
        return false
      }
    }
    for (const key of keys) this.pendingPerAddress.set(key, (this.pendingPerAddress.get(key) ?? 0) + 1)
    if (keys.length > 0) this.pendingAddress.set(maConn, keys)
    if (relayed) this.incomingPendingRelayed++
    this.incomingPending++
    return true
  }

  /**
   * An upgrade admitted by `admit` ended. With the connection its remote
   * address gives its slot back; without it only the total is counted down.
   */
  release(maConn?: MultiaddrConnection): void {
    if (this.incomingPending > 0) this.incomingPending--
    if (maConn == null) return
    if (isRelayed(maConn.remoteAddr) && this.incomingPendingRelayed > 0) this.incomingPendingRelayed--
    const keys = this.pendingAddress.get(maConn)
    if (keys == null) return
    this.pendingAddress.delete(maConn)
    for (const key of keys) {
      const held = (this.pendingPerAddress.get(key) ?? 1) - 1
      if (held > 0) this.pendingPerAddress.set(key, held)
      else this.pendingPerAddress.delete(key)
    }
  }
}

/**
 * What an inbound connection's pending upgrade counts against: the IP a
 * direct address starts with (`/ip4/…`, `/ip6/…`, `/ip6zone/…/ip6/…`); for a
 * relayed one (`…/p2p/<relay>/p2p-circuit/p2p/<peer>`), its relay and the
 * peer it claims to be, since the relay's IP is shared by every circuit.
 */
function slotKeys(address: Multiaddr): string[] {
  const components = address.getComponents()
  const circuit = components.findIndex((component) => component.code === CODE_P2P_CIRCUIT)
  if (circuit >= 0) {
    const relay = components[circuit - 1]
    const peer = components[circuit + 1]
    const keys: string[] = []
    if (relay?.code === CODE_P2P && relay.value != null) keys.push(`relay:${relay.value}`)
    if (peer?.code === CODE_P2P && peer.value != null) keys.push(`peer:${peer.value}`)
    return keys
  }
  for (const component of components) {
    if (component.code === CODE_IP6ZONE) continue
    if ((component.code === CODE_IP4 || component.code === CODE_IP6) && component.value != null)
      return [component.value]
    return []
  }
  return []
}
