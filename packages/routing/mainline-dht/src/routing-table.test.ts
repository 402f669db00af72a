import { describe, expect, it } from 'vitest'
import { commonPrefixLength, randomId, secureId } from './node-id.js'
import { RoutingTable } from './routing-table.js'

let hostCounter = 0
const nextHost = (): string => {
  hostCounter++
  return `10.${(hostCounter >> 16) & 0xff}.${(hostCounter >> 8) & 0xff}.${hostCounter & 0xff}`
}

/** An id sharing exactly `bits` leading bits with `base`. */
function idAt(base: Uint8Array, bits: number): Uint8Array {
  const id = randomId()
  for (let bit = 0; bit <= bits && bit < 160; bit++) {
    const byte = bit >> 3
    const mask = 0x80 >> (bit & 7)
    const value = bit < bits ? (base[byte] as number) & mask : ~(base[byte] as number) & mask
    id[byte] = ((id[byte] as number) & ~mask) | value
  }
  return id
}

describe('RoutingTable', () => {
  it('splits only the bucket holding our id', () => {
    const own = randomId()
    const table = new RoutingTable(own, { k: 2 })
    // far nodes (0 shared bits) fill bucket 0; a third far node does not split it
    expect(table.add({ id: idAt(own, 0), host: nextHost(), port: 1 }, true).status).toBe('added')
    expect(table.add({ id: idAt(own, 0), host: nextHost(), port: 1 }, true).status).toBe('added')
    // the first bucket holds our id too, so it splits and the near nodes go to the new one
    expect(table.add({ id: idAt(own, 5), host: nextHost(), port: 1 }, true).status).toBe('added')
    expect(table.bucketCount).toBe(2)
    expect(table.add({ id: idAt(own, 0), host: nextHost(), port: 1 }, true).status).toBe('full')
    expect(table.bucketCount).toBe(2)
    // a second near node fills the last bucket; a third splits it again, several times
    table.add({ id: idAt(own, 6), host: nextHost(), port: 1 }, true)
    expect(table.add({ id: idAt(own, 9), host: nextHost(), port: 1 }, true).status).toBe('added')
    expect(table.bucketCount).toBeGreaterThan(2)
    expect(table.size).toBe(5)
  })

  it('tracks liveness: good, questionable after the quiet period, bad after failures', () => {
    let now = 1_000_000
    const table = new RoutingTable(randomId(), { now: () => now })
    const id = randomId()
    table.add({ id, host: nextHost(), port: 1 }, true)
    const node = table.get(id)
    expect(node && table.state(node)).toBe('good')
    now += 16 * 60_000
    expect(node && table.state(node)).toBe('questionable')
    table.failed(id)
    table.failed(id)
    expect(node && table.state(node)).toBe('bad')
    expect(table.closest(id)).toEqual([])
    // a node that only queried us has never proven it answers: questionable
    const querier = randomId()
    table.add({ id: querier, host: nextHost(), port: 1 }, false)
    const entry = table.get(querier)
    expect(entry && table.state(entry)).toBe('questionable')
  })

  it('replaces bad nodes and asks for a ping of questionable ones when full', () => {
    let now = 1_000_000
    const own = randomId()
    const table = new RoutingTable(own, { k: 2, now: () => now })
    const a = idAt(own, 0)
    const b = idAt(own, 0)
    table.add({ id: a, host: nextHost(), port: 1 }, true)
    table.add({ id: b, host: nextHost(), port: 1 }, true)
    table.add({ id: idAt(own, 3), host: nextHost(), port: 1 }, true) // splits: bucket 0 is no longer splittable
    now += 16 * 60_000
    const candidate = { id: idAt(own, 0), host: nextHost(), port: 1 }
    const result = table.add(candidate, true)
    expect(result.status).toBe('ping')
    const pinged = result.status === 'ping' ? result.node : undefined
    expect(pinged).toBeDefined()
    table.failed(pinged?.id as Uint8Array)
    table.failed(pinged?.id as Uint8Array)
    expect(table.get(candidate.id)).toBeDefined()
    expect(table.get(pinged?.id as Uint8Array)).toBeUndefined()
  })

  it('keeps the first address of an id and one entry per IP by default', () => {
    const table = new RoutingTable(randomId())
    const id = randomId()
    expect(table.add({ id, host: '10.0.0.1', port: 1 }, true).status).toBe('added')
    expect(table.add({ id, host: '10.0.0.2', port: 1 }, true).status).toBe('rejected')
    expect(table.get(id)?.host).toBe('10.0.0.1')
    expect(table.add({ id: randomId(), host: '10.0.0.1', port: 2 }, true).status).toBe('rejected')
    const wide = new RoutingTable(randomId(), { nodesPerIp: 3 })
    for (let port = 1; port <= 3; port++)
      expect(wide.add({ id: randomId(), host: '127.0.0.1', port }, true).status).toBe('added')
    expect(wide.add({ id: randomId(), host: '127.0.0.1', port: 4 }, true).status).toBe('rejected')
  })

  it('applies the BEP42 policy', () => {
    const insecure = { id: randomId(), host: '8.8.8.8', port: 1 }
    const secure = { id: secureId('8.8.4.4'), host: '8.8.4.4', port: 1 }
    const enforcing = new RoutingTable(randomId(), { secureIds: 'enforce' })
    expect(enforcing.add(insecure, true).status).toBe('rejected')
    expect(enforcing.add(secure, true).status).toBe('added')
    const ignoring = new RoutingTable(randomId(), { secureIds: 'ignore' })
    expect(ignoring.add(insecure, true).status).toBe('added')
    // prefer: a secure node takes the place of an insecure one in a full bucket
    const own = randomId()
    const preferring = new RoutingTable(own, { k: 1 })
    preferring.add({ id: idAt(own, 3), host: '9.9.9.9', port: 1 }, true)
    preferring.add({ id: idAt(own, 0), host: '8.8.8.8', port: 1 }, true)
    let secureFar: Uint8Array
    do secureFar = secureId('1.1.1.1')
    while (commonPrefixLength(secureFar, own) !== 0)
    expect(preferring.add({ id: secureFar, host: '1.1.1.1', port: 1 }, true).status).toBe('added')
    expect(preferring.nodes().some((node) => node.host === '8.8.8.8')).toBe(false)
  })

  it('returns the closest nodes in XOR order and random targets in stale buckets', () => {
    let now = 0
    const own = randomId()
    const table = new RoutingTable(own, { now: () => now })
    for (let index = 0; index < 50; index++) table.add({ id: randomId(), host: nextHost(), port: 1 }, true)
    const target = randomId()
    const closest = table.closest(target, 8)
    expect(closest).toHaveLength(8)
    const xor = (id: Uint8Array) =>
      Buffer.from(id.map((byte, i) => byte ^ (target[i] as number))).toString('hex')
    expect(closest.map((node) => xor(node.id))).toEqual(closest.map((node) => xor(node.id)).sort())
    expect(table.staleTargets(15 * 60_000)).toEqual([])
    now += 15 * 60_000
    const targets = table.staleTargets(15 * 60_000)
    expect(targets).toHaveLength(table.bucketCount)
    targets.forEach((target, index) => {
      const shared = commonPrefixLength(own, target)
      if (index < table.bucketCount - 1) expect(shared).toBe(index)
      else expect(shared).toBeGreaterThanOrEqual(index)
    })
  })
})
