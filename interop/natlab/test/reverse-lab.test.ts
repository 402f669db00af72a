/**
 * Reverse connect through the lab (acceptance 3 of the reach-any-peer
 * issue): a public dialer and a listener behind a port-restricted NAT, whose
 * only shared infrastructure is a mosquitto broker on the public network.
 * There is no relay: the dialer's ladder fails direct (the listener's
 * addresses are private or filtered) and climbs to the `reverse` rung, which
 * asks over MQTT to be dialled back. The connection must be direct, inbound
 * at the dialer, and made by the listener; afterwards neither host holds a
 * socket, server or timer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { NatLab, PUBLIC_ADDRESSES } from './nat-lab.js'

const AGENT = fileURLToPath(new URL('./reverse-agent.mjs', import.meta.url))
const BROKER_HOST = PUBLIC_ADDRESSES[2]
const BROKER = `mqtt://${BROKER_HOST}:1883`
const NOT_RUN = notRunReason(['root', 'ip', 'iptables-restore', 'sysctl', 'mosquitto'])

interface Described {
  remotePeer: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  direct: boolean
  limited: boolean
}
interface LadderDial {
  dialMs: number
  rung: string | undefined
  rungs: Array<{ name: string; outcome: string; ms?: number }> | undefined
  connection: Described
}

let lab: NatLab
let configDir: string

async function brokerUp(): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const probe = lab.spawnProgram(lab.publicNamespace, 'bash', [
      '-c',
      `exec 3<>/dev/tcp/${BROKER_HOST}/1883`,
    ])
    const code = await new Promise<number | null>((resolve) => probe.once('exit', resolve))
    if (code === 0) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the lab's broker did not listen on ${BROKER_HOST}:1883`)
}

async function startPair(): Promise<{
  dialer: Agent
  listener: Agent
  listenerId: string
  dialerId: string
}> {
  const [dialer, listener] = await Promise.all([
    Agent.start(lab, lab.host('public').namespace, AGENT, 'dialer'),
    Agent.start(lab, lab.host('natted').namespace, AGENT, 'listener'),
  ])
  const started = await Promise.all(
    [dialer, listener].map((agent) =>
      agent.request<{ peerId: string; brokers: number }>(
        'start',
        { listen: ['/ip4/0.0.0.0/tcp/4001'], broker: BROKER },
        20_000,
      ),
    ),
  )
  for (const { brokers } of started) expect(brokers).toBe(1)
  return { dialer, listener, dialerId: started[0]!.peerId, listenerId: started[1]!.peerId }
}

async function stopAndCheck(...agents: Agent[]): Promise<void> {
  for (const agent of agents) await agent.request('stop')
  for (const agent of agents) {
    const left = await agent.request('leftovers', { settle: 3_000 })
    expect(left, agent.log).toEqual({ sockets: 0, servers: 0, timers: 0 })
  }
}

describe.skipIf(NOT_RUN !== '')(`reverse connect through the lab${NOT_RUN}`, () => {
  beforeAll(async () => {
    lab = await NatLab.create({ public: 'none', natted: 'port-restricted' })
    configDir = mkdtempSync(join(tmpdir(), 'weft-lab-mosquitto-'))
    const config = join(configDir, 'mosquitto.conf')
    writeFileSync(config, `listener 1883 ${BROKER_HOST}\nallow_anonymous true\npersistence false\n`)
    lab.spawnProgram(lab.publicNamespace, 'mosquitto', ['-c', config])
    await brokerUp()
  }, 60_000)

  afterAll(async () => {
    await lab?.destroy()
    if (configDir != null) rmSync(configDir, { recursive: true, force: true })
  })

  it('a public dialer that knows no address of a NATed listener is dialled back, directly', async () => {
    const { dialer, listener, dialerId, listenerId } = await startPair()
    const result = await dialer.request<LadderDial>('ladder-dial', { peer: listenerId, addrs: [] }, 40_000)
    console.log('no address known:', JSON.stringify(result))
    expect(result.rung).toBe('reverse')
    expect(result.connection).toMatchObject({ remotePeer: listenerId, direction: 'inbound', direct: true })
    expect(result.connection.limited).toBe(false)
    // the listener made the connection: outbound there, to the dialer's public address
    const atListener = await listener.request<Described[]>('connections')
    expect(atListener.map((c) => [c.remotePeer, c.direction])).toEqual([[dialerId, 'outbound']])
    expect(atListener[0]!.remoteAddr).toContain(`/ip4/${lab.host('public').address}/tcp/4001`)
    expect(await listener.request('served')).toEqual([{ peer: dialerId, ok: true }])
    await stopAndCheck(dialer, listener)
  }, 90_000)

  it("a listener whose advertised addresses cannot be reached ends on the reverse rung, not on the direct rung's timeout", async () => {
    const { dialer, listener, listenerId } = await startPair()
    const natted = lab.host('natted')
    // its LAN address (not routed from the public side) and its listen port
    // on the router's WAN address (filtered: a port-restricted NAT drops it)
    const addrs = [`/ip4/${natted.address}/tcp/4001`, `/ip4/${natted.publicAddress}/tcp/4001`]
    const result = await dialer.request<LadderDial>('ladder-dial', { peer: listenerId, addrs }, 40_000)
    console.log('unreachable addresses known:', JSON.stringify(result))
    expect(result.rung).toBe('reverse')
    expect(result.connection).toMatchObject({ direction: 'inbound', direct: true, limited: false })
    // the reverse rung runs staggered beside the direct one, so the dial does
    // not wait for the direct rung's 10 s timeout
    expect(result.dialMs).toBeLessThan(8_000)
    await stopAndCheck(dialer, listener)
  }, 90_000)
})
