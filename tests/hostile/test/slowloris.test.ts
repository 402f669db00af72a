/**
 * Slowloris: one remote address opens many TCP connections and says nothing,
 * hoping to hold every pending-upgrade slot until the upgrade timeout. The
 * per-address cap (`maxIncomingPendingConnectionsPerAddress`) refuses its
 * extra connections at once, so a peer from another address still connects
 * and pings. On loopback the attacker binds its sockets to 127.0.0.2 (Linux
 * routes all of 127.0.0.0/8 to lo) and the good peer dials from 127.0.0.1.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHostUnderTest, startWellBehavedPeer } from './hostile/hosts.js'

/** the host's defaults: 10 pending upgrades, 3 per address, 3 s upgrade timeout */
const ATTACKER_SOCKETS = 20
const PER_ADDRESS = 3

interface Silent {
  socket: Socket
  closed: Promise<void>
}

async function silentSocket(port: number): Promise<Silent> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed])
  return { socket, closed }
}

let target: Awaited<ReturnType<typeof startHostUnderTest>>
let peer: Awaited<ReturnType<typeof startWellBehavedPeer>>
const sockets: Silent[] = []

beforeAll(async () => {
  // the defaults under test, apart from a long upgrade timeout: a starved peer
  // would have to wait for it, and the case below gives it far less
  target = await startHostUnderTest({
    inboundUpgradeTimeout: 20_000,
    maxIncomingPendingConnections: 10,
    maxIncomingPendingConnectionsPerAddress: undefined,
  })
  peer = await startWellBehavedPeer()
}, 30_000)

afterAll(async () => {
  for (const { socket } of sockets) socket.destroy()
  await Promise.all([peer?.stop(), target?.host.stop()])
}, 30_000)

describe('slowloris from one address', { timeout: 30_000 }, () => {
  it('many silent connections from 127.0.0.2 do not keep a peer on 127.0.0.1 out', async () => {
    const silent = await Promise.all(
      Array.from({ length: ATTACKER_SOCKETS }, async () => silentSocket(target.port)),
    )
    sockets.push(...silent)
    // the attacker keeps PER_ADDRESS upgrades; every other socket is closed at once
    const settled = await Promise.all(
      silent.map(async ({ socket, closed }) => {
        const port = socket.localPort!
        if (await within(closed, 2_000)) return 'refused'
        return target.admitted(port) ? 'pending' : 'refused'
      }),
    )
    expect(settled.filter((state) => state === 'pending')).toHaveLength(PER_ADDRESS)
    expect(settled.filter((state) => state === 'refused')).toHaveLength(ATTACKER_SOCKETS - PER_ADDRESS)

    // a good peer from another address connects and pings well before the
    // attacker's upgrades time out
    const signal = AbortSignal.timeout(10_000)
    const connection = await peer.dial(target.address, { signal })
    expect(connection.status).toBe('open')
    expect(await peer.services.ping.ping(target.address, { signal })).toBeGreaterThanOrEqual(0)
    await peer.hangUp(target.host.peerId, { signal })
  })
})

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([promise.then(() => true as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}
