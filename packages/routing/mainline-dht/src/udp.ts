/**
 * The datagram socket the DHT runs on: node:dgram (IPv4, and IPv6 when asked)
 * or the memory network of `testing.ts`. One `UdpSocket` serves both
 * families; sends go out on the socket of the destination's family.
 */
import { createSocket, type Socket } from 'node:dgram'
import { type Address, familyOf } from './address.js'

export interface UdpSocket {
  send(bytes: Uint8Array, to: Address): void
  /** Sets the one receiver of incoming datagrams. */
  onMessage(handler: (bytes: Uint8Array, from: Address) => void): void
  /** Local addresses, one per family bound. */
  addresses(): Address[]
  close(): Promise<void>
}

export interface DgramInit {
  /** IPv4 address to bind (default '0.0.0.0'); null for no IPv4 socket. */
  host?: string | null
  /** IPv6 address to bind; none unless given (e.g. '::'). */
  host6?: string | null
  /** Port for both sockets (default 0: any). */
  port?: number
}

async function bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type, ipv6Only: type === 'udp6' })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return socket
}

/** Binds node:dgram sockets and wraps them as one `UdpSocket`. */
export async function dgramSocket(init: DgramInit = {}): Promise<UdpSocket> {
  const host4 = init.host === undefined ? '0.0.0.0' : init.host
  const sockets: Socket[] = []
  let v4: Socket | undefined
  let v6: Socket | undefined
  try {
    if (host4 !== null) v4 = await bind('udp4', host4, init.port ?? 0)
    if (init.host6 != null) v6 = await bind('udp6', init.host6, init.port ?? v4?.address().port ?? 0)
  } catch (err) {
    v4?.close()
    throw err
  }
  if (v4 !== undefined) sockets.push(v4)
  if (v6 !== undefined) sockets.push(v6)
  let receiver: (bytes: Uint8Array, from: Address) => void = () => {}
  for (const socket of sockets) {
    socket.on('message', (bytes, info) => receiver(bytes, { host: info.address, port: info.port }))
    // ICMP errors and the like surface here; a lost datagram is the protocol's normal case
    socket.on('error', () => {})
  }
  return {
    send(bytes, to) {
      const socket = familyOf(to.host) === 6 ? v6 : v4
      socket?.send(bytes, to.port, to.host)
    },
    onMessage(handler) {
      receiver = handler
    },
    addresses() {
      return sockets.map((socket) => ({ host: socket.address().address, port: socket.address().port }))
    },
    async close() {
      await Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
      )
    },
  }
}
