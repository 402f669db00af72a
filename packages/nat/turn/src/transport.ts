/**
 * The last-resort path as a libp2p `Transport`: every TCP multiaddr it dials
 * is reached through an RFC 6062 TCP allocation on the configured TURN
 * server. The peer sees an ordinary inbound TCP connection (from the relay's
 * address), so the usual upgrade (Noise, then yamux) runs on it unchanged and
 * the peer needs nothing TURN-aware. A host that can reach only the TURN
 * server configures this transport instead of `tcp()`; the multiaddrs it
 * dials are the peers' own `/ip4|ip6/<addr>/tcp/<port>[/p2p/<id>]`.
 *
 * The allocation is made on the first dial and kept for the transport's
 * life (refreshed by the client's timers); a failed allocation is retried on
 * the next dial. Listening (peers dialing the relayed address) is not offered:
 * the relay accepts only peers with a permission, which a listener cannot know
 * in advance.
 */
import {
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  InvalidMultiaddrError,
  ListenError,
  type Listener,
  type Logger,
  type Transport,
  transportSymbol,
} from '@libp2p/interface'
import { CODE_IP4, CODE_IP6, type Multiaddr } from '@multiformats/multiaddr'
import type { TransportAddress } from '@weft/stun'
import { isDialable, TcpConnection } from '@weft/tcp'
import { throwIfAborted, upgradeOutbound } from '@weft/utils'
import { type Allocation, TurnClient, type TurnClientInit } from './client.js'
import { connectPeer } from './tcp-allocation.js'

export interface TurnTransportInit extends Omit<TurnClientInit, 'relay' | 'transport' | 'logger'> {
  /** ms a graceful close of a relayed connection may take (500) */
  closeTimeout?: number
  /** ms without traffic before a relayed connection is dropped; 0 disables (0: yamux keeps it alive) */
  inactivityTimeout?: number
}

export interface TurnTransportComponents {
  logger: ComponentLogger
}

let nextDial = 0

export class TurnTransport implements Transport {
  readonly [Symbol.toStringTag] = '@weft/turn'
  readonly [transportSymbol] = true as const
  private readonly log: Logger
  private turnClient?: TurnClient
  private allocating?: Promise<TurnClient>

  constructor(
    private readonly init: TurnTransportInit,
    components: TurnTransportComponents,
  ) {
    this.log = components.logger.forComponent('weft:turn')
  }

  /** The allocation the dials go through, once made. */
  get allocation(): Allocation | undefined {
    return this.turnClient?.allocation
  }

  /** The client holding the allocation, once made (to refresh it or read its stats). */
  get client(): TurnClient | undefined {
    return this.turnClient
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    const peer = peerOf(ma)
    if (peer == null)
      throw new InvalidMultiaddrError(`@weft/turn dials /ip4|ip6/<addr>/tcp/<port>, not ${ma}`)
    const client = await this.allocated(options.signal)
    const socket = await connectPeer(client, peer, options)
    const connection = new TcpConnection({
      socket,
      remoteAddr: ma,
      direction: 'outbound',
      log: this.log.newScope(`dial:${nextDial++}`),
      inactivityTimeout: this.init.inactivityTimeout ?? 0,
      closeTimeout: this.init.closeTimeout ?? 500,
      allowHalfOpen: false,
    })
    // connectPeer hands the socket over paused; the connection buffers and pauses it itself from here
    socket.resume()
    const { upgrader, ...upgradeOptions } = options
    return upgradeOutbound(upgrader, connection, upgradeOptions)
  }

  createListener(_options: CreateListenerOptions): Listener {
    throw new ListenError('@weft/turn does not listen: it only dials through the relay')
  }

  listenFilter = (_multiaddrs: Multiaddr[]): Multiaddr[] => []

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter((ma) => peerOf(ma) != null)

  start(): void {}

  /** Deletes the allocation and clears its timers (the host calls it on stop). */
  async stop(): Promise<void> {
    const client = this.turnClient
    this.turnClient = undefined
    this.allocating = undefined
    await client?.close()
  }

  private async allocated(signal?: AbortSignal): Promise<TurnClient> {
    if (this.turnClient?.allocation != null) return this.turnClient
    this.allocating ??= (async () => {
      const client = new TurnClient({
        ...this.init,
        transport: 'tcp',
        relay: 'tcp',
        logger: this.log,
      })
      try {
        await client.allocate({ signal })
      } catch (err) {
        await client.close()
        throw err
      }
      client.addEventListener('close', () => {
        if (this.turnClient === client) this.turnClient = undefined
      })
      this.turnClient = client
      return client
    })().finally(() => {
      this.allocating = undefined
    })
    return this.allocating
  }
}

/** The peer a multiaddr names: `/ip4|ip6/<addr>/tcp/<port>[/p2p/<id>]` (no names: the relay connects to addresses). */
export function peerOf(ma: Multiaddr): TransportAddress | undefined {
  if (!isDialable(ma)) return undefined
  const [host, tcp] = ma.getComponents()
  if (host == null || tcp == null || host.value == null) return undefined
  if (host.code !== CODE_IP4 && host.code !== CODE_IP6) return undefined
  return { family: host.code === CODE_IP6 ? 6 : 4, address: host.value, port: Number(tcp.value) }
}

/** The TURN transport factory: `transports: [turnTransport({ server, credentials })]`. */
export function turnTransport(
  init: TurnTransportInit,
): (components: TurnTransportComponents) => TurnTransport {
  return (components) => new TurnTransport(init, components)
}
