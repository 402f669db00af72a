/**
 * Acceptance for @weft/network-report: a weft host behind each of a few
 * router types (none, port-restricted, symmetric) reports its interfaces and
 * the NAT the router was configured to be, measured against coturn (on two
 * IPs, as in the STUN lab), and a TURN server (a second coturn, long-term
 * credentials) as available. Adding an address to the host's interface (`ip
 * addr add` in its namespace) fires a 'change' event.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { NetworkReport } from '@weft/network-report'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { NatLab, type NatType } from './nat-lab.js'

const NOT_RUN = notRunReason(['root', 'ip', 'iptables-restore', 'sysctl', 'turnserver'])
const AGENT = fileURLToPath(new URL('./network-report-agent.mjs', import.meta.url))
const STUN = { host: '198.51.100.1', port: 3478 }
const TURN = { host: '198.51.100.3', port: 3478 }
const ROUTERS = ['none', 'port-restricted', 'symmetric'] as const satisfies readonly NatType[]
const run = promisify(execFile)

const EIM = 'endpoint-independent'
const APD = 'address-and-port-dependent'
const EXPECTED: Record<
  (typeof ROUTERS)[number],
  { classic: string; mapping: string; filtering: string; natted: boolean }
> = {
  none: { classic: 'open', mapping: EIM, filtering: EIM, natted: false },
  'port-restricted': { classic: 'port-restricted', mapping: EIM, filtering: APD, natted: true },
  symmetric: { classic: 'symmetric', mapping: APD, filtering: APD, natted: true },
}

let lab: NatLab
const agents = new Map<string, Agent>()
const rows: string[] = []

beforeAll(async () => {
  if (NOT_RUN !== '') return
  lab = await NatLab.create(Object.fromEntries(ROUTERS.map((nat) => [nat, nat])))
  lab.spawnProgram(lab.publicNamespace, 'turnserver', [
    ...[
      '-L',
      '198.51.100.1',
      '-L',
      '198.51.100.2',
      '--listening-port',
      '3478',
      '--alt-listening-port',
      '3479',
    ],
    ...['--no-auth', '--stun-only', '--no-cli', '--no-tls', '--no-dtls', '--no-tcp', '-n'],
    ...['--log-file', 'stdout', '--simple-log', '--pidfile', `/tmp/${lab.prefix}-stun.pid`],
  ])
  lab.spawnProgram(lab.publicNamespace, 'turnserver', [
    ...['-L', TURN.host, '--relay-ip', TURN.host, '--listening-port', String(TURN.port)],
    ...['--lt-cred-mech', '--user', 'weft:lab', '--realm', 'weft.lab'],
    ...['--no-cli', '--no-tls', '--no-dtls', '--no-tcp', '-n', '--log-file', 'stdout', '--simple-log'],
    ...['--pidfile', `/tmp/${lab.prefix}-turn.pid`],
  ])
  for (const nat of ROUTERS)
    agents.set(nat, await Agent.start(lab, lab.host(nat).namespace, AGENT, `report-${nat}`))
}, 120_000)

afterAll(async () => {
  if (rows.length > 0)
    console.log(
      [
        '| router | interface | classic | mapping | filtering | allocation (delta) | seen as | TURN |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    )
  for (const agent of agents.values()) await agent.request('stop', {}, 10_000).catch(() => {})
  await lab?.destroy()
})

/** The report once coturn answers (it takes a moment to bind: asked again, bounded). */
async function measuredReport(agent: Agent): Promise<NetworkReport> {
  let report = await agent.request<NetworkReport>(
    'start',
    { stunServers: [STUN], turnServers: [TURN], interfacePollInterval: 500 },
    90_000,
  )
  const answered = (r: NetworkReport): boolean =>
    r.nat[0]?.status === 'measured' && r.nat[0].classic !== 'blocked' && r.turn[0]?.available === true
  for (let i = 0; i < 10 && !answered(report); i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    report = await agent.request<NetworkReport>('refresh', {}, 90_000)
  }
  return report
}

describe.skipIf(NOT_RUN !== '').each(ROUTERS)(`network report behind the %s router${NOT_RUN}`, (nat) => {
  it('reports its interfaces and the NAT the router was configured to be', async () => {
    const agent = agents.get(nat)!
    const host = lab.host(nat)
    const report = await measuredReport(agent)
    const eth0 = report.interfaces.find((entry) => entry.name === 'eth0')
    expect(eth0?.addresses.filter((a) => a.family === 4)).toEqual([
      {
        address: host.address,
        family: 4,
        scope: nat === 'none' ? 'public' : 'private',
        cidr: `${host.address}/24`,
      },
    ])
    // IPv6 first: the veth's link-local address, when the kernel gave it one
    expect(eth0!.addresses.findIndex((a) => a.family === 4)).toBe(
      eth0!.addresses.filter((a) => a.family === 6).length,
    )
    expect(report.interfaces.at(-1)).toMatchObject({ name: 'lo' })
    expect(report.nat).toHaveLength(1)
    const entry = report.nat[0]!
    const expected = EXPECTED[nat]
    rows.push(
      `| ${nat} | ${entry.interface} ${entry.localAddress} | ${entry.classic} | ${entry.mapping} | ${entry.filtering} | ${entry.allocation} (${entry.delta}) | ${entry.mappedAddress} | ${report.turn[0]?.available} |`,
    )
    expect(entry, JSON.stringify(report)).toMatchObject({
      interface: 'eth0',
      family: 4,
      localAddress: host.address,
      status: 'measured',
      server: '198.51.100.1:3478',
      ...expected,
    })
    expect(entry.mappedAddress?.split(':')[0]).toBe(host.publicAddress)
    expect(entry.allocation).toBe(nat === 'symmetric' ? 'random' : 'equal')
    expect(report.turn).toEqual([
      expect.objectContaining({ server: '198.51.100.3:3478', available: true, authRequired: true }),
    ])
    const text = await agent.request<string>('text')
    expect(text).toContain(`eth0 IPv4 (${host.address}): ${expected.classic}, mapping ${expected.mapping}`)
  }, 120_000)

  it("fires 'change' when an address is added to its interface", async () => {
    const agent = agents.get(nat)!
    const host = lab.host(nat)
    const octets = host.address.split('.')
    const added = [...octets.slice(0, 3), String(Number(octets[3]) + 100)].join('.')
    await agent.request('arm', { part: 'interfaces' })
    await run('ip', ['-n', host.namespace, 'addr', 'add', `${added}/24`, 'dev', 'eth0'], { timeout: 10_000 })
    const change = await agent.request<{ report: NetworkReport; parts: string[] }>('changed', {}, 10_000)
    expect(change.parts).toContain('interfaces')
    const eth0 = change.report.interfaces.find((entry) => entry.name === 'eth0')!
    expect(eth0.addresses.map((a) => a.address)).toEqual(expect.arrayContaining([host.address, added]))
    // the interface's routable address did not change: the NAT entry stays as measured
    expect(change.report.nat[0]).toMatchObject({ localAddress: host.address, classic: EXPECTED[nat].classic })

    // an IPv6 address comes first, and gets a NAT entry of its own (no IPv6 STUN server: unknown)
    await agent.request('arm', { part: 'nat' })
    await run('ip', ['-n', host.namespace, 'addr', 'add', 'fd77::2/64', 'dev', 'eth0', 'nodad'], {
      timeout: 10_000,
    })
    const v6 = await agent.request<{ report: NetworkReport; parts: string[] }>('changed', {}, 10_000)
    expect(v6.report.interfaces.find((entry) => entry.name === 'eth0')!.addresses[0]).toMatchObject({
      address: 'fd77::2',
      family: 6,
      scope: 'private',
    })
    expect(v6.report.nat.map((e) => [e.family, e.localAddress, e.status, e.classic])).toEqual([
      [6, 'fd77::2', 'unconfigured', 'unknown'],
      [4, host.address, 'measured', EXPECTED[nat].classic],
    ])
  }, 60_000)
})
