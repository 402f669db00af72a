/**
 * Acceptance for @weft/stun: coturn in the public namespace on two IPs
 * (198.51.100.1 and .2, ports 3478 and 3479: RFC 5780's alternate address),
 * and behind every router type the lab builds, weft's `discoverNat` and
 * coturn's own `turnutils_natdiscovery`, run in the same namespace, must both
 * find what the router was configured to be. The table is printed. Behind
 * the 'symmetric-preserving' router the test also makes ports collide on
 * purpose (one socket towards a second destination, a second LAN host on
 * the same port) and checks what weft's allocation makes of it.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { NatReport } from '@weft/stun'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { COLLISION_PORTS, type LabNatType, NatLab, STUN_NAT_TYPES } from './nat-lab.js'

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

interface Collision {
  port: number
  kept: number
  otherDestination: number
  otherHost: number
  samples: NatReport['samples']
  allocation: NatReport['allocation']
  delta: number
  collisions: number
}

const EIM = 'endpoint-independent'
const APD = 'address-and-port-dependent'
/** what each router is configured to be */
const EXPECTED: Record<LabNatType, Expected> = {
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
  // every fresh socket's first mapping keeps its port: P2PD's "equal"
  'symmetric-preserving': {
    classic: 'symmetric',
    mapping: APD,
    filtering: APD,
    allocation: 'equal',
    delta: 0,
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

let collisionReport = ''
let lab: NatLab<LabNatType>
const agents = new Map<LabNatType, Agent>()
const rows: string[] = []

async function turnutils(nat: LabNatType, flag: string): Promise<string> {
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

async function runTurnutils(nat: LabNatType): Promise<Turnutils> {
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
  lab = await NatLab.create<LabNatType>(Object.fromEntries(STUN_NAT_TYPES.map((nat) => [nat, nat])))
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
  // Agent only spawns its program in the lab; the wider host type is no matter to it
  const spawner = lab as NatLab
  for (const nat of STUN_NAT_TYPES)
    agents.set(nat, await Agent.start(spawner, lab.host(nat).namespace, STUN_AGENT, `stun-${nat}`))
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
  if (collisionReport !== '') console.log(collisionReport)
  await lab?.destroy()
})

describe.skipIf(NOT_RUN !== '').each(STUN_NAT_TYPES)(`STUN behind the %s router${NOT_RUN}`, (nat) => {
  it('weft classifies it as configured, and as turnutils_natdiscovery does', async () => {
    await lab.clearContacted(nat)
    const report = await agents.get(nat)!.request<NatReport>('discover', { server: SERVER }, 90_000)
    const theirs = await runTurnutils(nat)
    rows.push(
      `| ${nat} | ${report.mapping ?? '—'} | ${report.filtering ?? '—'} | ${report.classic} | ${report.allocation ?? '—'}${report.allocation == null ? '' : ` (${report.delta})`}${report.collisions ? `, ${report.collisions} collided` : ''} | ${report.hairpinning ?? '—'} | ${theirs.mapping ?? '—'} | ${theirs.filtering ?? '—'} | ${theirs.hairpinning} |`,
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
    // the discovery socket is the router's first flow from its port, so that port is kept
    if (nat === 'symmetric-preserving') expect(report.mappedAddress?.port).toBe(report.localPort)
    // coturn's own tool, on the same host, agrees
    expect(theirs.mapping).toBe(expected.mapping)
    expect(theirs.filtering).toBe(expected.filtering)
    if (nat !== 'udp-blocked') expect(theirs.hairpinning).toBe(report.hairpinning)
  })
})

/** The server's four endpoints (RFC 5780: primary and alternate IP, each on both ports). */
const ENDPOINTS = [
  SERVER,
  { address: '198.51.100.2', port: 3478 },
  { address: '198.51.100.1', port: 3479 },
  { address: '198.51.100.2', port: 3479 },
]
/** Above Linux's ephemeral range and outside `COLLISION_PORTS`, so no earlier flow in the lab used them. */
const HELD_PORT = 61_000
const FRESH_PORTS = [61_001, 61_002, 61_003, 61_004]

function collided(port: number): boolean {
  return port !== HELD_PORT && port >= COLLISION_PORTS.first && port <= COLLISION_PORTS.last
}

describe.skipIf(NOT_RUN !== '')(
  `STUN behind the symmetric-preserving router, ports colliding${NOT_RUN}`,
  () => {
    it('keeps free ports, moves taken ones, and weft reads it as equal with the collision counted', async () => {
      const host = lab.host('symmetric-preserving')
      // a second LAN host behind the same router: a second address on the host's link
      const second = host.address.replace(/\.2$/, '.3')
      await promisify(execFile)('ip', ['-n', host.namespace, 'addr', 'add', `${second}/24`, 'dev', 'eth0'])
      const seen = await agents
        .get('symmetric-preserving')!
        .request<Collision>(
          'collide',
          { first: host.address, second, held: HELD_PORT, endpoints: ENDPOINTS, freshPorts: FRESH_PORTS },
          30_000,
        )
      collisionReport = [
        `symmetric-preserving, colliding on purpose: A ${host.address}:${HELD_PORT} → ${SERVER.address}:${SERVER.port} mapped to ${seen.kept},`,
        `then → 198.51.100.2:3478 mapped to ${seen.otherDestination}; B ${second}:${HELD_PORT} → 198.51.100.1:3479 mapped to ${seen.otherHost};`,
        `samples ${seen.samples.map((s) => `${s.localPort}→${s.mappedPort}`).join(' ')}: weft allocation ${seen.allocation} (${seen.delta}), ${seen.collisions} collided`,
      ].join('\n')
      // a free port is kept
      expect(seen.kept, collisionReport).toBe(HELD_PORT)
      // symmetric: the same socket towards another destination gets a new mapping, and the kept port is taken
      expect(collided(seen.otherDestination), collisionReport).toBe(true)
      // another LAN host on the same port collides too, even towards a third destination (Linux
      // alone would keep the port there: the 5-tuple differs)
      expect(collided(seen.otherHost), collisionReport).toBe(true)
      expect(seen.otherHost).not.toBe(seen.otherDestination)
      for (const sample of seen.samples)
        expect(sample.mappedPort === sample.localPort, collisionReport).toBe(sample.localPort !== HELD_PORT)
      // P2PD's vocabulary: still "equal", with the one taken port counted
      expect(seen).toMatchObject({ allocation: 'equal', delta: 0, collisions: 1 })
    })
  },
)
