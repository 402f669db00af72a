/**
 * The `/quic-v1` `Transport`. Sockets: one per listen address; a dial goes
 * out through a listening socket of its address family when there is one
 * (so the peer sees our listening port, as hole punching needs), otherwise
 * through one shared ephemeral socket per family that closes when its last
 * connection ends. The certificate is made once from the host key.
 */

import { createSocket, type Socket } from 'node:dgram'
import {
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  InvalidMultiaddrError,
  type Listener,
  type Logger,
  type PrivateKey,
  type Transport,
  transportSymbol,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type Certificate, generateCertificate } from '@weft/tls'
import { anySignal, throwIfAborted } from '@weft/utils'
import { isDialable, isQuicAddress, toUdpTarget } from './addresses.js'
import { type QuicConfig, type QuicInit, resolveConfig } from './config.js'
import { UdpEndpoint } from './endpoint.js'
import { QuicListener } from './listener.js'
import { muxerFactory } from './muxer.js'
import { attach } from './session.js'

/**
 * What the upgrader skips for a QUIC connection. `encryption` names the
 * handshake QUIC ran; an upgrader that reads it reports it as the
 * connection's encryption (js-libp2p's ignores it).
 */
export const SECURED = { skipEncryption: true, skipProtection: true, encryption: '/tls/1.0.0' } as const

/**
 * A dial's options: with `socket`, an already bound UDP socket of the
 * target's family, the dial goes out from it (the transport adopts it and
 * closes it when the connection ends, or at once if the dial cannot start).
 * With `portUse: 'new'` (and no `socket`) it goes out from a socket bound
 * for it alone, on a port of its own (an AutoNAT dial-back must not answer
 * from the port the peer reached); otherwise from a listening socket.
 */
export type QuicDialOptions = DialTransportOptions & { socket?: Socket; portUse?: 'new' | 'reuse' }

export interface QuicComponents {
  privateKey: PrivateKey
  logger: ComponentLogger
}

/** A UDP socket of `family` on the wildcard address and a port of its own. */
async function bindFresh(family: 4 | 6): Promise<Socket> {
  const socket = createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => {
      closeQuietly(socket)
      reject(err)
    })
    socket.bind({ address: family === 4 ? '0.0.0.0' : '::', port: 0 }, () => {
      socket.removeAllListeners('error')
      // until the endpoint adds its own: an error must not end the process
      socket.on('error', () => {})
      resolve()
    })
  })
  return socket
}

/** Closes a socket handed to a dial that will not use it; one closed already stays so. */
function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close()
  } catch {
    // closed before it was handed over
  }
}

export class QuicTransport implements Transport {
  readonly [Symbol.toStringTag] = '@weft/quic'
  readonly [transportSymbol] = true as const
  private readonly config: QuicConfig
  private readonly log: Logger
  private certificate: Promise<Certificate> | undefined
  private readonly listening = new Set<UdpEndpoint>()
  private readonly dialSockets = new Map<4 | 6, Promise<UdpEndpoint>>()

  constructor(
    init: QuicInit,
    private readonly components: QuicComponents,
  ) {
    this.config = resolveConfig(init)
    this.log = components.logger.forComponent('weft:quic')
  }

  async dial(ma: Multiaddr, options: QuicDialOptions): Promise<Connection> {
    if (options.signal?.aborted === true) closeQuietly(options.socket)
    throwIfAborted(options.signal)
    const target = toUdpTarget(ma)
    if (target.port === 0) {
      closeQuietly(options.socket)
      throw new InvalidMultiaddrError(`cannot dial port 0 in ${ma}`)
    }
    const own = options.socket ?? (options.portUse === 'new' ? await bindFresh(target.family) : undefined)
    const endpoint =
      own == null ? await this.dialEndpoint(target.family) : await this.adopt(own, target.family)
    let connection: ReturnType<UdpEndpoint['dial']>
    try {
      connection = endpoint.dial(target.host, target.port)
    } catch (err) {
      if (own != null) await endpoint.close()
      throw err
    }
    const session = attach(connection, endpoint, ma.decapsulateCode(421), 'outbound')
    const deadline = anySignal([options.signal], this.config.dialTimeout)
    let established: Awaited<ReturnType<typeof session.established>>
    try {
      established = await session.established(deadline, target.peerId)
    } finally {
      deadline.clear()
    }
    const { maConn, muxer, remotePeer } = established
    const upgradeOptions = {
      ...SECURED,
      remotePeer,
      muxerFactory: muxerFactory(muxer),
      signal: options.signal,
      onProgress: options.onProgress,
    }
    return options.upgrader.upgradeOutbound(maConn, upgradeOptions)
  }

  createListener(options: CreateListenerOptions): Listener {
    return new QuicListener({
      upgrader: options.upgrader,
      log: this.log.newScope('listener'),
      bind: async (host, port, family) => {
        const endpoint = await this.endpoint(host, port, family)
        this.listening.add(endpoint)
        return endpoint
      },
      unbind: async (endpoint) => {
        this.listening.delete(endpoint)
        await endpoint.close()
      },
    })
  }

  /**
   * Sends `datagram` (a small probe, not QUIC) to `host:port` from a
   * listening socket of `host`'s family, the one dials go out from: hole
   * punching opens our NAT's mapping of that socket towards the peer with
   * it. False when no such socket listens.
   */
  sendDatagram(host: string, port: number, datagram: Uint8Array): boolean {
    const family = host.includes(':') ? 6 : 4
    for (const endpoint of this.listening) {
      if (endpoint.family !== family) continue
      endpoint.sendRaw(datagram, host, port)
      return true
    }
    return false
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isQuicAddress)

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isDialable)

  /** A listening socket of `family`, else the shared dial socket. */
  private async dialEndpoint(family: 4 | 6): Promise<UdpEndpoint> {
    for (const endpoint of this.listening) if (endpoint.family === family) return endpoint
    let socket = this.dialSockets.get(family)
    if (socket == null) {
      socket = this.endpoint(family === 4 ? '0.0.0.0' : '::', 0, family).then((endpoint) => {
        endpoint.socket.unref()
        endpoint.onIdle = () => {
          this.dialSockets.delete(family)
          void endpoint.close()
        }
        return endpoint
      })
      this.dialSockets.set(family, socket)
      socket.catch(() => this.dialSockets.delete(family))
    }
    return socket
  }

  /** An endpoint on `socket` for one dial: it closes with its connection. */
  private async adopt(socket: Socket, family: 4 | 6): Promise<UdpEndpoint> {
    const bound = socket.address()
    if ((bound.family === 'IPv6') !== (family === 6)) {
      closeQuietly(socket)
      throw new InvalidMultiaddrError(`the given socket is ${bound.family}, the target IPv${family}`)
    }
    let endpoint: UdpEndpoint
    try {
      endpoint = await this.endpoint(bound.address, bound.port, family, socket)
    } catch (err) {
      closeQuietly(socket) // the endpoint never took it (no certificate)
      throw err
    }
    endpoint.onIdle = () => void endpoint.close()
    return endpoint
  }

  private async endpoint(host: string, port: number, family: 4 | 6, socket?: Socket): Promise<UdpEndpoint> {
    this.certificate ??= generateCertificate(this.components.privateKey)
    const endpoint = new UdpEndpoint({
      host,
      port,
      family,
      certificate: await this.certificate,
      connection: this.config.connection,
      maxConnections: this.config.maxConnections,
      maxHandshakes: this.config.maxHandshakes,
      handshakeTimeout: this.config.handshakeTimeout,
      log: this.log.newScope(`udp:${host}:${port}`),
      socket,
    })
    try {
      await endpoint.bind()
    } catch (err) {
      await endpoint.close().catch(() => undefined)
      throw err
    }
    return endpoint
  }
}
