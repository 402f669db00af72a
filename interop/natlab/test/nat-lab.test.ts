/**
 * Proves the lab's routers behave as their NAT type says, with UDP and TCP
 * probes: the mapping seen by two public servers (endpoint-independent or
 * not), and whether unsolicited inbound traffic gets through (filtering), and
 * that refused traffic is dropped silently rather than answered with a RST.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NAT_TYPES, NatLab, type NatType } from './nat-lab.js'

const NET_AGENT = fileURLToPath(new URL('./net-agent.mjs', import.meta.url))

let lab: NatLab
let pub: Agent
const agents = new Map<NatType, Agent>()

beforeAll(async () => {
  lab = await NatLab.create(Object.fromEntries(NAT_TYPES.map((nat) => [nat, nat])))
  pub = await Agent.start(lab, lab.publicNamespace, NET_AGENT, 'public')
  await pub.request('udp-bind', { host: '198.51.100.1', port: 7001, echo: true })
  await pub.request('udp-bind', { host: '198.51.100.2', port: 7002, echo: true })
  await pub.request('udp-bind', { host: '198.51.100.3', port: 7003 })
  await pub.request('udp-bind', { host: '198.51.100.1', port: 7004 })
  await pub.request('tcp-listen', { host: '198.51.100.1', port: 7101 })
  await pub.request('tcp-listen', { host: '198.51.100.2', port: 7102 })
  for (const nat of NAT_TYPES)
    agents.set(nat, await Agent.start(lab, lab.host(nat).namespace, NET_AGENT, nat))
}, 60_000)

afterAll(async () => {
  await lab?.destroy()
})

function split(address: string): { ip: string; port: number } {
  const [ip, port] = address.split(':')
  return { ip: ip!, port: Number(port) }
}

/** What each of two public servers saw of one local UDP port. */
async function udpMappings(nat: NatType): Promise<[string, string]> {
  const agent = agents.get(nat)!
  const { address } = await agent.request<{ address: string }>('udp-bind', { host: '0.0.0.0', port: 40000 })
  const seen: string[] = []
  for (const server of ['198.51.100.1:7001', '198.51.100.2:7002']) {
    await agent.request('udp-send', { from: address, to: server, data: 'hello' })
    const reply = await agent.request<{ data: string } | null>('udp-recv', { at: address, timeout: 3_000 })
    if (reply == null) throw new Error(`${nat}: no answer from ${server}`)
    seen.push(reply.data)
  }
  return [seen[0]!, seen[1]!]
}

async function unsolicitedUdp(nat: NatType, from: string, to: string): Promise<boolean> {
  await pub.request('udp-send', { from, to, data: 'unsolicited' })
  const got = await agents.get(nat)!.request<unknown>('udp-recv', { at: '0.0.0.0:40000', timeout: 700 })
  return got != null
}

describe.skipIf(LAB_NOT_RUN !== '').each(NAT_TYPES)(`the %s router${LAB_NOT_RUN}`, (nat) => {
  it('maps UDP as the type says and filters unsolicited datagrams', async () => {
    const host = lab.host(nat)
    const [first, second] = await udpMappings(nat)
    const a = split(first)
    const b = split(second)
    expect(a.ip).toBe(host.publicAddress)
    expect(b.ip).toBe(host.publicAddress)
    if (nat === 'symmetric') expect(a.port).not.toBe(b.port)
    else expect(a.port).toBe(b.port)
    if (nat === 'none') expect(a.port).toBe(40000)

    const fromElsewhere = await unsolicitedUdp(nat, '198.51.100.3:7003', first)
    const fromOtherPort = await unsolicitedUdp(nat, '198.51.100.1:7004', first)
    const open = nat === 'none' || nat === 'full-cone'
    expect(fromElsewhere).toBe(open)
    expect(fromOtherPort).toBe(open)
  })

  it('maps TCP as the type says and drops unsolicited connections without a RST', async () => {
    const host = lab.host(nat)
    const agent = agents.get(nat)!
    const first = await agent.request<{ observed: string }>('tcp-connect', {
      to: '198.51.100.1:7101',
      localPort: 41000,
      timeout: 3_000,
    })
    // a second connection from the same local port (libuv binds with SO_REUSEADDR)
    const second = await agent.request<{ observed: string }>('tcp-connect', {
      to: '198.51.100.2:7102',
      localPort: 41000,
      timeout: 3_000,
    })
    const a = split(first.observed)
    const b = split(second.observed)
    expect(a.ip).toBe(host.publicAddress)
    if (nat === 'symmetric') expect(a.port).not.toBe(b.port)
    else expect(a.port).toBe(b.port)

    await agent.request('tcp-listen', { host: '0.0.0.0', port: 42000 })
    const inbound = pub.request<{ observed: string }>('tcp-connect', {
      to: `${host.publicAddress}:42000`,
      timeout: 1_500,
    })
    if (nat === 'none' || nat === 'full-cone') {
      expect(split((await inbound).observed).port).toBeGreaterThan(0)
    } else {
      // a RST would fail fast with ECONNREFUSED; a silent drop runs into the timeout
      await expect(inbound).rejects.toThrow(/timed out/)
    }
  })
})
