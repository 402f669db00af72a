/**
 * The responding side (A) facing a peer that names third parties in its
 * `Connect`: over a real relayed connection on loopback, the addresses are
 * TCP listeners of the test that count the sockets they accept. A dials only
 * what its address policy and the connection gater allow, at most
 * `maxAddresses` per round and `attempts` rounds per relayed connection, and
 * resets a request on a direct connection unanswered.
 */
import { createServer, type Server } from 'node:net'
import type { Connection, ConnectionGater } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { circuitRelayServer, circuitRelayTransport, isCircuitAddress } from '@weft/circuit-relay'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { encodeLengthPrefixed, StreamReader, sendAll } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type DCUtR, type DCUtRInit, dcutr, HolePunch, PROTOCOL, type UpgradeOutcome } from '../src/index.js'

const hosts: Host[] = []
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
  await Promise.all(servers.splice(0).map(async (server) => new Promise((resolve) => server.close(resolve))))
})

async function host(
  listen: string[],
  services: Record<string, unknown>,
  connectionGater?: ConnectionGater,
): Promise<Host> {
  const created = await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...services },
    ...(connectionGater != null ? { connectionGater } : {}),
  })
  hosts.push(created)
  return created
}

/** `count` loopback listeners (127.0.0.7, .8, ...) and how many sockets each accepted. */
async function thirdParties(count: number): Promise<{ addrs: Multiaddr[]; accepted: () => number }> {
  let accepted = 0
  const addrs: Multiaddr[] = []
  for (let i = 0; i < count; i++) {
    const server = createServer((socket) => {
      accepted++
      socket.on('error', () => {})
      socket.destroy()
    })
    servers.push(server)
    const ip = `127.0.0.${7 + i}`
    await new Promise<void>((resolve) => server.listen(0, ip, resolve))
    addrs.push(multiaddr(`/ip4/${ip}/tcp/${(server.address() as { port: number }).port}`))
  }
  return { addrs, accepted: () => accepted }
}

/**
 * A target with DCUtR reached by an attacker through a relay. The attacker
 * listens nowhere, so the target's own unilateral upgrade has nothing to
 * dial, and it has no DCUtR, so the target's own rounds fail at once; the
 * attack starts after they have.
 */
async function relayedSetup(init: DCUtRInit, connectionGater?: ConnectionGater) {
  const relay = await host(['/ip4/127.0.0.1/tcp/0'], { relay: circuitRelayServer() })
  const target = await host(
    [`${relay.getMultiaddrs()[0]}/p2p-circuit`],
    { dcutr: dcutr({ punchTimeout: 1_000, ...init }) },
    connectionGater,
  )
  const attacker = await host([], {})
  const outcome = new Promise<UpgradeOutcome>((resolve) =>
    (target.services as { dcutr: DCUtR }).dcutr.addEventListener('upgrade', (evt) => resolve(evt.detail), {
      once: true,
    }),
  )
  const connection = await attacker.dial(target.getMultiaddrs().find(isCircuitAddress)!)
  expect(connection.remoteAddr.toString()).toContain('/p2p-circuit')
  expect((await outcome).outcome).toBe('relay')
  return { target, attacker, connection }
}

/** One round as B on a new stream; the target's Connect, or 'reset' when it refused. */
async function round(connection: Connection, addrs: Multiaddr[]): Promise<'answered' | 'reset'> {
  const signal = AbortSignal.timeout(5_000)
  const stream = await connection.newStream(PROTOCOL, { signal, runOnLimitedConnection: true })
  const reader = new StreamReader(stream)
  const frame = (message: HolePunch) => encodeLengthPrefixed(HolePunch.encode(message))
  try {
    await sendAll(stream, frame({ type: HolePunch.Type.CONNECT, ObsAddrs: addrs.map((a) => a.bytes) }), {
      signal,
    })
    HolePunch.decode(await reader.readLengthPrefixed(4096, { signal }))
    await sendAll(stream, frame({ type: HolePunch.Type.SYNC, ObsAddrs: [] }), { signal })
    await stream.close({ signal }).catch(() => {})
    return 'answered'
  } catch {
    stream.abort(new Error('reset'))
    return 'reset'
  } finally {
    reader.release()
  }
}

const settle = async (ms = 1_500) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the DCUtR responder', () => {
  it('resets a request on a direct connection without answering or dialing', async () => {
    const { addrs, accepted } = await thirdParties(1)
    const target = await host(['/ip4/127.0.0.1/tcp/0'], {
      dcutr: dcutr({ allowPrivateAddresses: true }),
    })
    const attacker = await host([], {})
    const connection = await attacker.dial(target.getMultiaddrs()[0]!)
    expect(connection.remoteAddr.toString()).not.toContain('/p2p-circuit')
    expect(await round(connection, addrs)).toBe('reset')
    expect(await round(connection, addrs)).toBe('reset')
    await settle(500)
    expect(accepted()).toBe(0)
    expect(connection.status).toBe('open')
  })

  it('dials no private address by default', async () => {
    const { addrs, accepted } = await thirdParties(2)
    const { connection } = await relayedSetup({})
    expect(await round(connection, addrs)).toBe('answered')
    await settle()
    expect(accepted()).toBe(0)
  })

  it('dials at most maxAddresses per round, once each, and answers at most `attempts` rounds', async () => {
    const { addrs, accepted } = await thirdParties(6)
    const { connection } = await relayedSetup({ allowPrivateAddresses: true, attempts: 3, maxAddresses: 2 })
    const outcomes: string[] = []
    for (let i = 0; i < 5; i++) {
      outcomes.push(await round(connection, addrs))
      await settle(300)
    }
    await settle()
    expect(outcomes).toEqual(['answered', 'answered', 'answered', 'reset', 'reset'])
    // 3 rounds x 2 addresses, one dial each
    expect(accepted()).toBe(6)
  })

  it("answers further rounds on the same stream (the spec's retry), `attempts` in all", async () => {
    const { addrs, accepted } = await thirdParties(1)
    const { connection } = await relayedSetup({ allowPrivateAddresses: true, attempts: 2 })
    const signal = AbortSignal.timeout(10_000)
    const stream = await connection.newStream(PROTOCOL, { signal, runOnLimitedConnection: true })
    const reader = new StreamReader(stream)
    const frame = (message: HolePunch) => encodeLengthPrefixed(HolePunch.encode(message))
    const connect = frame({ type: HolePunch.Type.CONNECT, ObsAddrs: addrs.map((a) => a.bytes) })
    const answers: string[] = []
    for (let i = 0; i < 3; i++) {
      try {
        await sendAll(stream, connect, { signal })
        await reader.readLengthPrefixed(4096, { signal })
        await sendAll(stream, frame({ type: HolePunch.Type.SYNC, ObsAddrs: [] }), { signal })
        answers.push('answered')
        await settle(300)
      } catch {
        answers.push('reset')
        break
      }
    }
    reader.release()
    stream.abort(new Error('done'))
    expect(answers).toEqual(['answered', 'answered', 'reset'])
    expect(accepted()).toBe(2)
  })

  it('asks the connection gater before dialing', async () => {
    const { addrs, accepted } = await thirdParties(2)
    const asked: string[] = []
    const { connection } = await relayedSetup(
      { allowPrivateAddresses: true },
      {
        denyDialMultiaddr: (address) => {
          asked.push(address.toString())
          return address.toString().startsWith('/ip4/127.0.0.7/')
        },
      },
    )
    expect(await round(connection, addrs)).toBe('answered')
    await settle()
    expect(asked.some((address) => address.startsWith(addrs[0]!.toString()))).toBe(true)
    // only the second listener, once
    expect(accepted()).toBe(1)
  })
})
