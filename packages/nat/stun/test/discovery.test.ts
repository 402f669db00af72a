import { afterEach, describe, expect, it } from 'vitest'
import {
  type Behaviour,
  classicType,
  discoverNat,
  estimateMappingLifetime,
  filteringBehaviour,
  MissingOtherAddressError,
  mappingBehaviour,
  openUdpClient,
  portAllocation,
} from '../src/index.js'
import { TestStunServer } from './stun-server.js'

const FAST = { rto: 20, maxRequests: 2, lastWaitMultiplier: 3, hairpinTimeout: 100 }
const servers: TestStunServer[] = []

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

const a = (port: number, address = '203.0.113.1') => ({ family: 4 as const, address, port })

describe('classification', () => {
  it('reads mapping as RFC 5780 §4.3 says', () => {
    expect(mappingBehaviour(a(1), a(1), undefined)).toBe('endpoint-independent')
    expect(mappingBehaviour(a(1), a(2), a(2))).toBe('address-dependent')
    expect(mappingBehaviour(a(1), a(2), a(3))).toBe('address-and-port-dependent')
    expect(mappingBehaviour(a(1), undefined, undefined)).toBeUndefined()
  })

  it('reads filtering as RFC 5780 §4.4 says', () => {
    expect(filteringBehaviour(true, false)).toBe('endpoint-independent')
    expect(filteringBehaviour(false, true)).toBe('address-dependent')
    expect(filteringBehaviour(false, false)).toBe('address-and-port-dependent')
  })

  it.each([
    [undefined, undefined, undefined, 'blocked'],
    [false, 'endpoint-independent', 'endpoint-independent', 'open'],
    [false, 'endpoint-independent', 'address-and-port-dependent', 'udp-firewall'],
    [true, 'endpoint-independent', 'endpoint-independent', 'full-cone'],
    [true, 'endpoint-independent', 'address-dependent', 'restricted'],
    [true, 'endpoint-independent', 'address-and-port-dependent', 'port-restricted'],
    [true, 'address-dependent', 'address-dependent', 'symmetric'],
    [true, 'address-and-port-dependent', 'address-and-port-dependent', 'symmetric'],
  ] as const)('natted %s, mapping %s, filtering %s is %s', (natted, mapping, filtering, name) => {
    expect(classicType(natted, mapping, filtering)).toBe(name)
  })

  it.each([
    [
      'equal',
      [
        [4000, 4000],
        [5000, 5000],
        [4500, 4500],
      ],
      'equal',
      0,
    ],
    [
      'preserving',
      [
        [4000, 14000],
        [5000, 15000],
        [4500, 14500],
      ],
      'preserving',
      10000,
    ],
    [
      'independent',
      [
        [4000, 20000],
        [5000, 20001],
        [4500, 20002],
      ],
      'independent',
      1,
    ],
    [
      'dependent',
      [
        [4000, 20000],
        [4010, 20012],
        [4030, 20034],
      ],
      'dependent',
      2,
    ],
    [
      'random',
      [
        [4000, 31234],
        [4001, 9876],
        [4002, 50123],
      ],
      'random',
      0,
    ],
  ] as const)('port allocation: %s', (_, pairs, allocation, delta) => {
    const samples = pairs.map(([localPort, mappedPort]) => ({ localPort, mappedPort }))
    expect(portAllocation(samples)).toEqual({ allocation, delta, collisions: 0 })
  })

  it.each([
    // a symmetric NAT that keeps free ports: the third socket's port was taken
    [
      'equal',
      [
        [40001, 40001],
        [40002, 40002],
        [40003, 1234],
        [40004, 40004],
        [40005, 40005],
      ],
      0,
      1,
    ],
    [
      'equal',
      [
        [4000, 4000],
        [5000, 5000],
        [4500, 23456],
      ],
      0,
      1,
    ],
    [
      'preserving',
      [
        [4000, 14000],
        [5000, 15000],
        [4500, 9999],
        [4200, 14200],
        [4300, 7777],
      ],
      10000,
      2,
    ],
  ] as const)('port allocation: %s with collisions %j', (allocation, pairs, delta, collisions) => {
    const samples = pairs.map(([localPort, mappedPort]) => ({ localPort, mappedPort }))
    expect(portAllocation(samples)).toEqual({ allocation, delta, collisions })
  })

  it('counts collisions only for a strict majority of two or more', () => {
    const half = [
      [4000, 4000],
      [5000, 5000],
      [4500, 31234],
      [4700, 9876],
    ].map(([localPort, mappedPort]) => ({ localPort: localPort!, mappedPort: mappedPort! }))
    expect(portAllocation(half)).toEqual({ allocation: 'random', delta: 0, collisions: 0 })
    // two samples: one kept, one moved reads as a step, not as a collision
    expect(portAllocation(half.slice(1, 3))).toEqual({
      allocation: 'independent',
      delta: 26234,
      collisions: 0,
    })
  })

  it('reads a counting NAT as independent even when some local ports happen to match', () => {
    const samples = [20000, 20001, 20002, 20003].map((mappedPort, i) => ({
      localPort: i < 2 ? mappedPort : 50000 + i,
      mappedPort,
    }))
    expect(portAllocation(samples)).toEqual({ allocation: 'independent', delta: 1, collisions: 0 })
  })

  it('needs two samples', () => {
    expect(() => portAllocation([{ localPort: 1, mappedPort: 1 }])).toThrow(RangeError)
  })
})

describe('discoverNat on loopback', () => {
  it('finds no NAT on loopback', async () => {
    const s = await TestStunServer.start()
    servers.push(s)
    const report = await discoverNat({ server: s.primary, ...FAST, allocationSamples: 3 })
    expect(report).toMatchObject({
      reachable: true,
      natted: false,
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      classic: 'open',
      hairpinning: true,
      allocation: 'equal',
      delta: 0,
    })
    expect(report.otherAddress?.address).toBe('127.0.0.2')
  })

  it('reports blocked when nothing answers', async () => {
    const s = await TestStunServer.start({ silent: true })
    servers.push(s)
    const report = await discoverNat({ server: s.primary, ...FAST })
    expect(report).toMatchObject({ reachable: false, classic: 'blocked' })
  })

  it('needs OTHER-ADDRESS', async () => {
    const s = await TestStunServer.start({ noOtherAddress: true })
    servers.push(s)
    await expect(discoverNat({ server: s.primary, ...FAST })).rejects.toThrow(MissingOtherAddressError)
  })

  const cases: Array<[Behaviour, Behaviour, string, string, number]> = [
    ['endpoint-independent', 'endpoint-independent', 'full-cone', 'equal', 0],
    ['endpoint-independent', 'address-dependent', 'restricted', 'equal', 0],
    ['endpoint-independent', 'address-and-port-dependent', 'port-restricted', 'equal', 0],
    ['address-dependent', 'address-and-port-dependent', 'symmetric', 'independent', 1],
    ['address-and-port-dependent', 'address-and-port-dependent', 'symmetric', 'independent', 1],
  ]
  it.each(cases)(
    'a simulated NAT with %s mapping and %s filtering is %s, allocation %s',
    async (mapping, filtering, classic, allocation, delta) => {
      const s = await TestStunServer.start({ nat: { publicAddress: '127.0.0.9', mapping, filtering } })
      servers.push(s)
      const client = await openUdpClient({ address: '127.0.0.1' })
      try {
        const report = await discoverNat({ server: s.primary, client, ...FAST, allocationSamples: 4 })
        expect(report).toMatchObject({
          natted: true,
          mapping,
          filtering,
          classic,
          allocation,
          delta,
          hairpinning: false,
        })
      } finally {
        client.close()
      }
    },
  )

  it('estimates a mapping lifetime within its bound', async () => {
    const s = await TestStunServer.start()
    servers.push(s)
    const started = Date.now()
    const estimate = await estimateMappingLifetime({ server: s.primary, max: 200, initial: 50 })
    expect(estimate).toEqual({ atLeast: 200 })
    expect(Date.now() - started).toBeLessThan(3_000)
  })
})
