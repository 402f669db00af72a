/**
 * What hole punching needs from the transport: a small raw datagram sent
 * from the listening socket (the peer sees the listening port; a QUIC
 * endpoint drops it unread and keeps serving), and a dial that goes out
 * from a socket the caller bound and hands over (closed with its
 * connection).
 */
import { createSocket, type Socket } from 'node:dgram'
import type { Connection, MultiaddrConnection, Upgrader } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { defaultLogger } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { QuicTransport } from '../src/index.js'

/** The UDP port of `/ip4/<ip>/udp/<port>/…`. */
const portOf = (address: { toString(): string } | undefined): number =>
  Number(address?.toString().split('/')[4])

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** An upgrader that records the connections handed to it and upgrades nothing. */
function recordingUpgrader() {
  const inbound: MultiaddrConnection[] = []
  const outbound: MultiaddrConnection[] = []
  const upgrader = {
    upgradeInbound: async (maConn: MultiaddrConnection) => {
      inbound.push(maConn)
    },
    upgradeOutbound: async (maConn: MultiaddrConnection) => {
      outbound.push(maConn)
      return { maConn } as unknown as Connection
    },
  } as unknown as Upgrader
  return { upgrader, inbound, outbound }
}

async function transport(): Promise<QuicTransport> {
  return new QuicTransport({}, { privateKey: await generateKeyPair('Ed25519'), logger: defaultLogger() })
}

async function listening() {
  const quic = await transport()
  const recorder = recordingUpgrader()
  const listener = quic.createListener({ upgrader: recorder.upgrader })
  await listener.listen(multiaddr('/ip4/127.0.0.1/udp/0/quic-v1'))
  cleanup.push(async () => listener.close())
  const port = portOf(listener.getAddrs()[0])
  return { quic, port, ...recorder }
}

async function udpSocket(): Promise<{ socket: Socket; received: Array<{ data: Buffer; port: number }> }> {
  const socket = createSocket('udp4')
  const received: Array<{ data: Buffer; port: number }> = []
  socket.on('message', (data, remote) => received.push({ data, port: remote.port }))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { socket, received }
}

const closed = async (socket: Socket): Promise<void> =>
  new Promise((resolve) => {
    try {
      socket.close(() => resolve())
    } catch {
      resolve()
    }
  })

const until = async (check: () => boolean, ms = 2_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('hole punching hooks', () => {
  it('sends a raw datagram from the listening socket, which a QUIC listener ignores', async () => {
    const a = await listening()
    const b = await listening()
    const peer = await udpSocket()
    cleanup.push(async () => closed(peer.socket))
    expect(a.quic.sendDatagram('127.0.0.1', peer.socket.address().port, Uint8Array.of(1, 2, 3, 4))).toBe(true)
    await until(() => peer.received.length > 0)
    expect(peer.received[0]?.port).toBe(a.port)
    expect([...(peer.received[0]?.data ?? [])]).toEqual([1, 2, 3, 4])
    // probes at b's listener: dropped, nothing answered, b still accepts a dial
    for (const size of [4, 8, 40]) {
      a.quic.sendDatagram('127.0.0.1', b.port, new Uint8Array(size).fill(0x2a))
      peer.socket.send(new Uint8Array(size).fill(0x2a), b.port, '127.0.0.1')
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(peer.received.length).toBe(1)
    expect(b.inbound).toHaveLength(0)
    const connection = await a.quic.dial(multiaddr(`/ip4/127.0.0.1/udp/${b.port}/quic-v1`), {
      upgrader: a.upgrader,
      signal: AbortSignal.timeout(5_000),
    })
    await until(() => b.inbound.length > 0)
    expect(portOf(b.inbound[0]?.remoteAddr)).toBe(a.port)
    await (connection as unknown as { maConn: MultiaddrConnection }).maConn.close()
  })

  it('refuses a large raw datagram, and says when no socket listens', async () => {
    const a = await listening()
    expect(() => a.quic.sendDatagram('127.0.0.1', 9, new Uint8Array(65))).toThrow(RangeError)
    expect((await transport()).sendDatagram('127.0.0.1', 9, Uint8Array.of(1))).toBe(false)
    expect(a.quic.sendDatagram('::1', 9, Uint8Array.of(1))).toBe(false)
  })

  it('dials from a socket it is given and closes it with the connection', async () => {
    const b = await listening()
    const dialer = await transport()
    const recorder = recordingUpgrader()
    const given = await udpSocket()
    let socketClosed = false
    given.socket.on('close', () => {
      socketClosed = true
    })
    cleanup.push(async () => closed(given.socket))
    const port = given.socket.address().port
    const connection = await dialer.dial(multiaddr(`/ip4/127.0.0.1/udp/${b.port}/quic-v1`), {
      upgrader: recorder.upgrader,
      signal: AbortSignal.timeout(5_000),
      socket: given.socket,
    })
    await until(() => b.inbound.length > 0)
    expect(portOf(b.inbound[0]?.remoteAddr)).toBe(port)
    expect(socketClosed).toBe(false)
    await (connection as unknown as { maConn: MultiaddrConnection }).maConn.close()
    await until(() => socketClosed)
    expect(socketClosed).toBe(true)
  })

  it('closes a given socket when the dial fails', async () => {
    const dialer = await transport()
    const given = await udpSocket()
    let socketClosed = false
    given.socket.on('close', () => {
      socketClosed = true
    })
    cleanup.push(async () => closed(given.socket))
    const nobody = await udpSocket() // a port where no QUIC answers
    cleanup.push(async () => closed(nobody.socket))
    await expect(
      dialer.dial(multiaddr(`/ip4/127.0.0.1/udp/${nobody.socket.address().port}/quic-v1`), {
        upgrader: recordingUpgrader().upgrader,
        signal: AbortSignal.timeout(300),
        socket: given.socket,
      }),
    ).rejects.toThrow()
    await until(() => socketClosed)
    expect(socketClosed).toBe(true)
  })

  it("dials from a port of its own with portUse 'new', and lets that socket go with the connection", async () => {
    const a = await listening()
    const b = await listening()
    const udpBefore = process.getActiveResourcesInfo().filter((name) => name === 'UDPWRAP').length
    const connection = await a.quic.dial(multiaddr(`/ip4/127.0.0.1/udp/${b.port}/quic-v1`), {
      upgrader: a.upgrader,
      signal: AbortSignal.timeout(5_000),
      portUse: 'new',
    })
    await until(() => b.inbound.length > 0)
    // not a's listening port: the answer to a dial-back must not pass a filter the peer's own traffic opened
    const from = portOf(b.inbound[0]?.remoteAddr)
    expect(from).not.toBe(a.port)
    expect(from).toBeGreaterThan(0)
    await (connection as unknown as { maConn: MultiaddrConnection }).maConn.close()
    await until(
      () => process.getActiveResourcesInfo().filter((name) => name === 'UDPWRAP').length === udpBefore,
    )
    expect(process.getActiveResourcesInfo().filter((name) => name === 'UDPWRAP').length).toBe(udpBefore)
    // without it, the dial leaves from the listening socket
    const reused = await a.quic.dial(multiaddr(`/ip4/127.0.0.1/udp/${b.port}/quic-v1`), {
      upgrader: a.upgrader,
      signal: AbortSignal.timeout(5_000),
    })
    await until(() => b.inbound.length > 1)
    expect(portOf(b.inbound[1]?.remoteAddr)).toBe(a.port)
    await (reused as unknown as { maConn: MultiaddrConnection }).maConn.close()
  })
})
