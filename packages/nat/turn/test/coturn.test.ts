/**
 * The client against coturn on loopback (when installed): UDP and TCP
 * allocations, permissions, channels, Send/Data and ChannelData, refresh,
 * REST credentials renewed after they expire, the 438 stale-nonce path, and
 * an RFC 6062 TCP connection to a peer.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type Credentials,
  connectPeer,
  restCredentials,
  TurnClient,
  UnauthorizedError,
} from '../src/index.js'
import { COTURN_NOT_RUN, type Coturn, startCoturn } from './coturn.js'

const USERS = { alice: 'wonderland' }

async function udpEcho(): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4')
  socket.on('message', (data, rinfo) => socket.send(data, rinfo.port, rinfo.address))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
  return { socket, port: socket.address().port }
}

async function nextData(client: TurnClient): Promise<{ peer: { port: number }; data: Uint8Array }> {
  return new Promise((resolve) =>
    client.addEventListener('data', (evt) => resolve(evt.detail), { once: true }),
  )
}

describe.skipIf(COTURN_NOT_RUN !== '')(`TurnClient against coturn${COTURN_NOT_RUN}`, () => {
  let coturn: Coturn
  const clients: TurnClient[] = []
  beforeAll(async () => {
    coturn = await startCoturn({ users: USERS })
  })
  afterAll(async () => {
    await coturn?.stop()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })

  for (const transport of ['udp', 'tcp'] as const) {
    it(`allocates over ${transport}, relays Send/Data and ChannelData, refreshes and deletes`, async () => {
      const echo = await udpEcho()
      const client = new TurnClient({
        server: { address: '127.0.0.1', port: coturn.port },
        transport,
        credentials: { username: 'alice', password: 'wonderland' },
      })
      clients.push(client)
      const allocation = await client.allocate()
      expect(allocation.relayed.address).toBe('127.0.0.1')
      expect(allocation.lifetime).toBeGreaterThan(0)
      const peer = { family: 4 as const, address: '127.0.0.1', port: echo.port }
      await client.createPermission(peer)
      let received = nextData(client)
      client.send(peer, new TextEncoder().encode('by indication'))
      expect(new TextDecoder().decode((await received).data)).toBe('by indication')
      await client.bindChannel(peer)
      received = nextData(client)
      client.send(peer, new TextEncoder().encode('by channel'))
      expect(new TextDecoder().decode((await received).data)).toBe('by channel')
      expect(await client.refresh()).toBeGreaterThan(0)
      await client.close()
      echo.socket.close()
    })
  }

  it('fails with UnauthorizedError for a wrong password', async () => {
    const client = new TurnClient({
      server: { address: '127.0.0.1', port: coturn.port },
      credentials: { username: 'alice', password: 'wrong' },
      rto: 100,
    })
    clients.push(client)
    await expect(client.allocate()).rejects.toBeInstanceOf(UnauthorizedError)
  })

  it('opens an RFC 6062 TCP connection to a peer', async () => {
    const server: Server = createServer((socket) => {
      socket.on('error', () => {})
      socket.pipe(socket)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const port = (server.address() as { port: number }).port
    const client = new TurnClient({
      server: { address: '127.0.0.1', port: coturn.port },
      transport: 'tcp',
      relay: 'tcp',
      credentials: { username: 'alice', password: 'wonderland' },
    })
    clients.push(client)
    await client.allocate()
    const socket = await connectPeer(client, { family: 4, address: '127.0.0.1', port })
    const echoed = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))))
    // the socket comes back paused, so no byte is lost before its new owner reads
    expect(socket.isPaused()).toBe(true)
    socket.resume()
    socket.write('through the relay')
    expect(await echoed).toBe('through the relay')
    socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})

describe.skipIf(COTURN_NOT_RUN !== '')(
  `TurnClient with REST credentials against coturn${COTURN_NOT_RUN}`,
  () => {
    let coturn: Coturn
    beforeAll(async () => {
      coturn = await startCoturn({ secret: 'shared-secret', staleNonce: 2 })
    })
    afterAll(async () => {
      await coturn?.stop()
    })

    it('replaces expired credentials from the source, then rides out a stale nonce', async () => {
      const minted: Credentials[] = []
      const client = new TurnClient({
        server: { address: '127.0.0.1', port: coturn.port },
        credentials: () => {
          // the first set expired ten seconds ago: coturn answers 401 to it
          const now = minted.length === 0 ? () => Date.now() - 10_000 : Date.now
          minted.push(restCredentials({ secret: 'shared-secret', user: 'weft', ttl: 5, now }))
          return minted.at(-1)!
        },
      })
      await client.allocate()
      expect(minted).toHaveLength(2)
      expect(client.stats.credentialRenewals).toBe(1)
      // the nonce lives 2 s: the refresh meets 438 and goes again with the new one
      await new Promise((r) => setTimeout(r, 2_500))
      expect(await client.refresh()).toBeGreaterThan(0)
      expect(client.stats.staleNonces).toBeGreaterThanOrEqual(1)
      await client.close()
    }, 20_000)
  },
)
