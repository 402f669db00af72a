/**
 * Acceptance for @weft/turn: coturn in the public namespace (198.51.100.1,
 * REST credentials from a shared secret, nonces that go stale after 3 s), a
 * weft host behind a symmetric NAT whose router drops everything it sends
 * except to the TURN server, and a plain weft TCP host on the public side.
 * The NATed host reaches the peer only through an RFC 6062 TCP allocation and
 * runs ping, identify and a 4 MiB echo over Noise + yamux; its first (expired)
 * credentials are refused and replaced from the callback, and a refresh after
 * the nonce went stale goes through 438. A UDP allocation through the same
 * NAT relays Send/Data and ChannelData to the peer's UDP echo.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { NatLab } from './nat-lab.js'

const NOT_RUN = notRunReason(['root', 'ip', 'iptables-restore', 'sysctl', 'turnserver'])
const TURN_AGENT = fileURLToPath(new URL('./turn-agent.mjs', import.meta.url))
const SERVER = { address: '198.51.100.1', port: 3478 }
const SECRET = 'weft-lab-shared-secret'
const run = promisify(execFile)

let lab: NatLab
let client: Agent
let peer: Agent
let peerInfo: { peerId: string; addrs: string[] }

/** Drops everything the LAN host sends that is not for the TURN server (inserted ahead of the router's rules). */
async function onlyToTurnServer(router: string): Promise<void> {
  await run(
    'ip',
    [
      'netns',
      'exec',
      router,
      'iptables',
      '-I',
      'FORWARD',
      '1',
      '-i',
      'lan',
      '!',
      '-d',
      SERVER.address,
      '-j',
      'DROP',
    ],
    {
      timeout: 10_000,
    },
  )
}

beforeAll(async () => {
  if (NOT_RUN !== '') return
  lab = await NatLab.create({ client: 'symmetric', peer: 'none' })
  await onlyToTurnServer(lab.host('client').router!)
  lab.spawnProgram(lab.publicNamespace, 'turnserver', [
    ...['-L', SERVER.address, '--relay-ip', SERVER.address, '--listening-port', String(SERVER.port)],
    ...['--use-auth-secret', '--static-auth-secret', SECRET, '--realm', 'weft.lab', '--stale-nonce=3'],
    // coturn refuses private and reserved peers unless allowed; the lab's peers live here
    ...['--allowed-peer-ip=198.51.100.0-198.51.100.255', '--allowed-peer-ip=10.77.0.0-10.77.255.255'],
    ...['--no-cli', '--no-tls', '--no-dtls', '-n', '--log-file', 'stdout', '--simple-log'],
    ...['--pidfile', `/tmp/${lab.prefix}-turnserver.pid`],
  ])
  peer = await Agent.start(lab, lab.host('peer').namespace, TURN_AGENT, 'turn-peer')
  client = await Agent.start(lab, lab.host('client').namespace, TURN_AGENT, 'turn-client')
  peerInfo = await peer.request('start', {
    role: 'peer',
    listen: [`/ip4/${lab.host('peer').address}/tcp/4001`],
  })
  await peer.request('udp-echo', { port: 5000 })
  await client.request('start', { role: 'client', server: SERVER, secret: SECRET })
  // coturn takes a moment to bind: wait until its TCP port answers (bounded)
  for (let i = 0; i < 40 && !(await peer.request<boolean>('probe', SERVER)); i++)
    await new Promise((resolve) => setTimeout(resolve, 250))
}, 120_000)

afterAll(async () => {
  await lab?.destroy()
})

describe.skipIf(NOT_RUN !== '')(`TURN as the last resort${NOT_RUN}`, () => {
  it('the NATed host can reach the TURN server and nothing else', async () => {
    expect(await client.request<boolean>('probe', SERVER)).toBe(true)
    expect(await client.request<boolean>('probe', { address: lab.host('peer').address, port: 4001 })).toBe(
      false,
    )
  })

  it('relays UDP through an allocation: Send/Data and ChannelData', async () => {
    const result = await client.request<{
      relayed: { address: string }
      mapped: { address: string }
      byIndication: string
      byChannel: string
    }>(
      'udp-relay',
      { server: SERVER, secret: SECRET, peer: { family: 4, address: lab.host('peer').address, port: 5000 } },
      30_000,
    )
    expect(result.relayed.address).toBe(SERVER.address)
    expect(result.mapped.address).toBe(lab.host('client').publicAddress)
    expect(result.byIndication).toBe('indication')
    expect(result.byChannel).toBe('channel')
  })

  it('connects to a weft peer through a TCP allocation and runs ping, identify and a 4 MiB echo', async () => {
    const dialed = await client.request<{
      remotePeer: string
      encryption: string
      multiplexer: string
      relayed: { address: string; port: number }
      stats: { credentialRenewals: number; staleNonces: number }
    }>('dial', { addr: `${peerInfo.addrs[0]}/p2p/${peerInfo.peerId}` }, 30_000)
    expect(dialed.remotePeer).toBe(peerInfo.peerId)
    expect(dialed.encryption).toBe('/noise')
    expect(dialed.multiplexer).toBe('/yamux/1.0.0')
    expect(dialed.relayed.address).toBe(SERVER.address)
    // the first credentials had expired: coturn said 401 and the callback gave new ones
    expect(dialed.stats.credentialRenewals).toBe(1)
    // the peer sees the relay's address, not the client's router
    const seen = await peer.request<string[]>('remote-addrs')
    expect(seen).toContain(`/ip4/${SERVER.address}/tcp/${dialed.relayed.port}`)
    expect(await client.request<number>('ping-peer', { peer: peerInfo.peerId })).toBeGreaterThanOrEqual(0)
    expect(await client.request<string[]>('protocols', { peer: peerInfo.peerId })).toContain(
      '/weft/lab/echo/1.0.0',
    )
    expect(
      await client.request<boolean>('echo', { peer: peerInfo.peerId, size: 4 * 1024 * 1024 }, 60_000),
    ).toBe(true)
  }, 120_000)

  it('refreshes the allocation after its nonce went stale, and the connection carries on', async () => {
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    const refreshed = await client.request<{ lifetime: number; stats: { staleNonces: number } }>(
      'refresh',
      {},
      20_000,
    )
    expect(refreshed.lifetime).toBeGreaterThan(0)
    expect(refreshed.stats.staleNonces).toBeGreaterThanOrEqual(1)
    expect(await client.request<number>('ping-peer', { peer: peerInfo.peerId })).toBeGreaterThanOrEqual(0)
  }, 30_000)
})
