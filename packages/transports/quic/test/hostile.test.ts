/**
 * Hostile datagrams at a listening QUIC socket: random bytes, truncated and
 * corrupted Initials allocate no connection; a valid Initial from an address
 * that never answers gets at most 3× its bytes back (RFC 9000 §8.1); a real
 * connection keeps working throughout.
 */

import { randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { generateKeyPair } from '@weft/crypto'
import { generateCertificate } from '@weft/tls'
import { logger } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ClientConnection } from '../src/client-connection.js'
import { resolveConfig } from '../src/transport/config.js'
import { UdpEndpoint } from '../src/transport/endpoint.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map(async (close) => close()))
})

async function listeningEndpoint(
  handshakeTimeout = 5_000,
): Promise<{ endpoint: UdpEndpoint; accepted: number[] }> {
  const config = resolveConfig({ keepAlive: false })
  const endpoint = new UdpEndpoint({
    host: '127.0.0.1',
    port: 0,
    family: 4,
    certificate: await generateCertificate(await generateKeyPair('Ed25519')),
    connection: config.connection,
    maxConnections: 16,
    maxHandshakes: 4,
    handshakeTimeout,
    log: logger('weft:quic:test'),
  })
  await endpoint.bind()
  cleanup.push(async () => endpoint.close())
  const accepted: number[] = []
  endpoint.accept = () => accepted.push(Date.now())
  return { endpoint, accepted }
}

async function attacker(): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createSocket('udp4')
  const received: Buffer[] = []
  socket.on('message', (message) => received.push(message))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  cleanup.push(async () => new Promise((resolve) => socket.close(() => resolve())))
  return { socket, received }
}

const send = (socket: Socket, data: Uint8Array, port: number): Promise<void> =>
  new Promise((resolve, reject) =>
    socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  )

async function validInitial(): Promise<Uint8Array> {
  const certificate = await generateCertificate(await generateKeyPair('Ed25519'))
  const [datagram] = await new ClientConnection({ certificate }).start()
  return datagram as Uint8Array
}

describe('hostile datagrams', () => {
  it('random, truncated and corrupted datagrams create no connection and get no answer; a real client still connects', async () => {
    const { endpoint, accepted } = await listeningEndpoint()
    const { socket, received } = await attacker()
    const { port } = endpoint.address
    for (let i = 0; i < 500; i++) {
      await send(socket, randomBytes(1 + Math.floor(Math.random() * 1400)), port)
    }
    const initial = await validInitial()
    for (const length of [1, 5, 6, 20, 100, 1199]) await send(socket, initial.subarray(0, length), port)
    for (let i = 0; i < 50; i++) {
      const corrupted = initial.slice()
      const at = 30 + Math.floor(Math.random() * (corrupted.length - 30))
      corrupted[at] = (corrupted[at] as number) ^ 0xff
      await send(socket, corrupted, port)
    }
    // long headers with random versions ask for version negotiation only when they are big enough
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(accepted).toHaveLength(0)
    expect(endpoint.connectionCount).toBe(0)
    expect(received.every((message) => message.readUInt32BE(1) === 0)).toBe(true)
    // and a real client still gets through
    const client = (await listeningEndpoint()).endpoint.dial('127.0.0.1', port)
    await new Promise<void>((resolve, reject) => {
      client.events.established = () => resolve()
      client.events.closed = (err) => reject(err ?? new Error('closed'))
    })
    expect(accepted).toHaveLength(1)
    client.close()
  })

  it('answers a valid Initial from a silent address with at most 3× its bytes, then forgets it', async () => {
    const { endpoint, accepted } = await listeningEndpoint(1_000)
    const { socket, received } = await attacker()
    const initial = await validInitial()
    await send(socket, initial, endpoint.address.port)
    // long enough for the server's first flight and its probe timeouts
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(accepted).toHaveLength(1)
    const sent = received.reduce((total, message) => total + message.length, 0)
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThanOrEqual(3 * initial.length)
    // the handshake timed out (its CONNECTION_CLOSE counted against the same limit): no state left
    expect(endpoint.connectionCount).toBe(0)
    // while it drains, the same Initial sent again opens nothing new (RFC 9000 §10.2)
    await send(socket, initial, endpoint.address.port)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(accepted).toHaveLength(1)
  })

  it('bounds connections in their handshake (an Initial flood)', async () => {
    const { endpoint, accepted } = await listeningEndpoint()
    const { socket } = await attacker()
    for (let i = 0; i < 20; i++) await send(socket, await validInitial(), endpoint.address.port)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(accepted).toHaveLength(4)
    expect(endpoint.connectionCount).toBe(4)
  })
})
