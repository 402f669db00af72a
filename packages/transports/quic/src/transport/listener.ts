/**
 * The QUIC `Listener`: binds a UDP socket (shared with dials of the same
 * family) and accepts server connections on it; each one, once its
 * handshake completes, goes to `upgrader.upgradeInbound` with encryption
 * and muxer negotiation skipped. close() stops accepting, closes accepted
 * connections and the socket.
 */

import { networkInterfaces } from 'node:os'
import {
  ListenError,
  type Listener,
  type ListenerEvents,
  type Logger,
  TypedEventEmitter,
  type Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isWildcard, wildcardHosts } from '@weft/utils'
import type { QuicConnection } from '../connection/connection.js'
import { toMultiaddr, toUdpTarget } from './addresses.js'
import type { UdpEndpoint } from './endpoint.js'
import { muxerFactory } from './muxer.js'
import { attach } from './session.js'
import { SECURED } from './transport.js'

export interface ListenerInit {
  upgrader: Upgrader
  log: Logger
  /** binds (or reuses) the socket for an address */
  bind(host: string, port: number, family: 4 | 6): Promise<UdpEndpoint>
  /** the socket is no longer listened on */
  unbind(endpoint: UdpEndpoint): Promise<void>
}

export class QuicListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private endpoint: UdpEndpoint | undefined
  private readonly accepted = new Set<QuicConnection>()
  private readonly shutdown = new AbortController()
  private closing: Promise<void> | undefined

  constructor(private readonly init: ListenerInit) {
    super()
  }

  async listen(ma: Multiaddr): Promise<void> {
    if (this.closing != null) throw new ListenError(`cannot listen on ${ma}: the listener is closed`)
    if (this.endpoint != null) throw new ListenError(`cannot listen on ${ma}: already listening`)
    const target = toUdpTarget(ma)
    let endpoint: UdpEndpoint
    try {
      endpoint = await this.init.bind(target.host, target.port, target.family)
    } catch (err) {
      throw new ListenError(`could not listen on ${ma}: ${(err as Error).message}`)
    }
    this.endpoint = endpoint
    endpoint.accept = (connection, remote) => this.onConnection(connection, remote)
    this.init.log('listening on %a', this.getAddrs()[0])
    this.safeDispatchEvent('listening')
  }

  /** The bound address; a wildcard (`0.0.0.0`, `::`) as every interface address of its family. */
  getAddrs(): Multiaddr[] {
    if (this.endpoint == null) return []
    const { host, port } = this.endpoint.address
    if (!isWildcard(host)) return [toMultiaddr(host, port, this.endpoint.family)]
    // the IPv6 socket is IPv6-only (endpoint.ts), so `::` means IPv6 interfaces alone
    return wildcardHosts(host, networkInterfaces(), { dualStack: false }).map((entry) =>
      toMultiaddr(entry.host, port, entry.family),
    )
  }

  updateAnnounceAddrs(_addrs: Multiaddr[]): void {}

  async close(): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  private async closeNow(): Promise<void> {
    this.shutdown.abort(new Error('the listener closed'))
    const endpoint = this.endpoint
    // a closed listener has no address: its socket can no longer say where it was bound
    this.endpoint = undefined
    if (endpoint != null) endpoint.accept = undefined
    for (const connection of this.accepted) connection.close(0)
    if (endpoint != null) await this.init.unbind(endpoint)
    this.safeDispatchEvent('close')
  }

  private onConnection(connection: QuicConnection, remote: { address: string; port: number }): void {
    const endpoint = this.endpoint as UdpEndpoint
    const family = remote.address.includes(':') ? 6 : 4
    const remoteAddr = toMultiaddr(remote.address, remote.port, family)
    this.accepted.add(connection)
    const session = attach(connection, endpoint, remoteAddr, 'inbound')
    const previous = connection.events.closed
    connection.events.closed = (err) => {
      this.accepted.delete(connection)
      previous(err)
    }
    void (async () => {
      try {
        const { maConn, muxer, remotePeer } = await session.established(this.shutdown.signal)
        const options = {
          ...SECURED,
          remotePeer,
          muxerFactory: muxerFactory(muxer),
          signal: this.shutdown.signal,
        }
        await this.init.upgrader.upgradeInbound(maConn, options)
      } catch (err) {
        this.init.log(
          'inbound connection from %s:%d failed: %s',
          remote.address,
          remote.port,
          (err as Error).message,
        )
        connection.close(0)
      }
    })()
  }
}
