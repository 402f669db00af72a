/**
 * Acceptance for @weft/stun: coturn in the public namespace on two IPs
 * (198.51.100.1 and .2, ports 3478 and 3479: RFC 5780's alternate address),
 * and behind every router type the lab builds, weft's `discoverNat` and
 * coturn's own `turnutils_natdiscovery`, run in the same namespace, must both
 * find what the router was configured to be. The table is printed.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { NatReport } from '@weft/stun'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { ALL_NAT_TYPES, NatLab, type NatType } from './nat-lab.js'

const NOT_RUN = notRunReason([
  'root',
  'ip',
  'iptables-restore',
  'sysctl',
  'turnserver',
  'turnutils_natdiscovery',
])
const STUN_AGENT = fileURLToPath(new URL('./stun-agent.mjs', import.meta.url))
const SERVER = { address: '198.51.100.1', port: 3478 }

interface Expected {
  classic: NatReport['classic']
  mapping?: string
  filtering?: string
  allocation?: string
  delta?: number
}

const EIM = 'endpoint-independent'
const APD = 'address-and-port-dependent'
/** what each router is configured to be */
const EXPECTED: Record<NatType, Expected> = {
  none: { classic: 'open', mapping: EIM, filtering: EIM, allocation: 'equal', delta: 0 },
  'full-cone': { classic: 'full-cone', mapping: EIM, filtering: EIM, allocation: 'equal', delta: 0 },
  'address-restricted': {
    classic: 'restricted',
    mapping: EIM,
    filtering: 'address-dependent',
    allocation: 'equal',
    delta: 0,
  },
  'port-restricted': {
    classic: 'port-restricted',
    mapping: EIM,
    filtering: APD,
    allocation: 'equal',
    delta: 0,
  },
  symmetric: { classic: 'symmetric', mapping: APD, filtering: APD, allocation: 'random', delta: 0 },
  'symmetric-sequential': {
    classic: 'symmetric',
    mapping: APD,
    filtering: APD,
    allocation: 'independent',
    delta: 1,
  },
  'udp-blocked': { classic: 'blocked' },
}

interface Turnutils {
  mapping?: string
  filtering?: string
  hairpinning: boolean
}

const TURNUTILS_BEHAVIOUR: Array<[RegExp, string]> = [
  [/Endpoint Independent/, EIM],
  [/Address and Port Dependent/, APD],
  [/Address Dependent/, 'address-dependent'],
]

function behaviourIn(output: string, kind: 'Mapping' | 'Filtering'): string | undefined {
  const line = output.split('\n').find((l) => l.includes(`${kind}!`) || l.includes(`${kind})`))
  if (line == null) return undefined
  return TURNUTILS_BEHAVIOUR.find(([pattern]) => pattern.test(line))?.[1]
}

let lab: NatLab
const agents = new Map<NatType, Agent>()
const rows: string[] = []

async function turnutils(nat: NatType, flag: string): Promise<string> {
  await lab.clearContacted(nat)
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', lab.host(nat).namespace, 'turnutils_natdiscovery', flag, SERVER.address],
      { timeout: 60_000 },
      (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    )
  })
}

async function runTurnutils(nat: NatType): Promise<Turnutils> {
  const mapping = await turnutils(nat, '-m')
  const filtering = await turnutils(nat, '-f')
  const hairpinning = await turnutils(nat, '-H')
  return {
    mapping: behaviourIn(mapping, 'Mapping'),
    filtering: behaviourIn(filtering, 'Filtering'),
    hairpinning: hairpinning.includes('Received a request'),
  }
}

async function serverAnswers(): Promise<boolean> {
  const probe = agents.get('none')!
  try {
    const report = await probe.request<NatReport>(
      'discover',
      { server: SERVER, allocationSamples: 0 },
      20_000,
    )
    return report.reachable
  } catch {
    return false
  }
}

beforeAll(async () => {
  if (NOT_RUN !== '') return
  lab = await NatLab.create(Object.fromEntries(ALL_NAT_TYPES.map((nat) => [nat, nat])))
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
    ...['--log-file', 'stdout', '--simple-log', '--pidfile', `/tmp/${lab.prefix}-turnserver.pid`],
  ])
  for (const nat of ALL_NAT_TYPES)
    agents.set(nat, await Agent.start(lab, lab.host(nat).namespace, STUN_AGENT, `stun-${nat}`))
  // coturn takes a moment to bind: ask until it answers (bounded)
  for (let i = 0; i < 20 && !(await serverAnswers()); i++) await new Promise((r) => setTimeout(r, 250))
}, 120_000)

afterAll(async () => {
  if (rows.length > 0)
    console.log(
      [
        '| router | weft mapping | weft filtering | weft classic | weft allocation (delta) | weft hairpin | turnutils mapping | turnutils filtering | turnutils hairpin |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n'),
    )
  await lab?.destroy()
})

describe.skipIf(NOT_RUN !== '').each(ALL_NAT_TYPES)(`STUN behind the %s router${NOT_RUN}`, (nat) => {
  it('weft classifies it as configured, and as turnutils_natdiscovery does', async () => {
    await lab.clearContacted(nat)
    const report = await agents.get(nat)!.request<NatReport>('discover', { server: SERVER }, 90_000)
    const theirs = await runTurnutils(nat)
    rows.push(
      `| ${nat} | ${report.mapping ?? '—'} | ${report.filtering ?? '—'} | ${report.classic} | ${report.allocation ?? '—'}${report.allocation == null ? '' : ` (${report.delta})`} | ${report.hairpinning ?? '—'} | ${theirs.mapping ?? '—'} | ${theirs.filtering ?? '—'} | ${theirs.hairpinning} |`,
    )
    const expected = EXPECTED[nat]
    expect(report.classic, JSON.stringify(report)).toBe(expected.classic)
    expect(report.mapping).toBe(expected.mapping)
    expect(report.filtering).toBe(expected.filtering)
    expect(report.allocation).toBe(expected.allocation)
    expect(report.delta).toBe(expected.delta)
    if (nat !== 'udp-blocked') {
      expect(report.natted).toBe(nat !== 'none')
      expect(report.mappedAddress?.address).toBe(lab.host(nat).publicAddress)
      // none of the lab's routers loops a packet to its own WAN address back in
      expect(report.hairpinning).toBe(nat === 'none')
    }
    // coturn's own tool, on the same host, agrees
    expect(theirs.mapping).toBe(expected.mapping)
    expect(theirs.filtering).toBe(expected.filtering)
    if (nat !== 'udp-blocked') expect(theirs.hairpinning).toBe(report.hairpinning)
  })
})
