import { describe, expect, it } from 'vitest'
import { AddressConfidence } from './address-confidence.js'

const A = '/ip4/198.51.100.7/tcp/4001'
const B = '/ip4/198.51.100.8/tcp/4001'

describe('AddressConfidence', () => {
  it('decides only once `threshold` servers agree', () => {
    const table = new AddressConfidence({ threshold: 3, window: 5 })
    expect(table.record(A, 's1', true)).toMatchObject({
      reachability: 'unknown',
      confidence: 1,
      changed: false,
    })
    expect(table.record(A, 's2', true)).toMatchObject({ reachability: 'unknown', confidence: 2 })
    expect(table.record(A, 's3', true)).toMatchObject({
      reachability: 'reachable',
      confidence: 3,
      results: 3,
      changed: true,
    })
    expect(table.verdict(B)).toEqual({ reachability: 'unknown', confidence: 0, results: 0 })
  })

  it('counts one result per server: a server repeating itself adds no confidence', () => {
    const table = new AddressConfidence({ threshold: 2 })
    table.record(A, 's1', true)
    expect(table.record(A, 's1', true)).toMatchObject({ reachability: 'unknown', confidence: 1, results: 1 })
    // its newer word replaces its older one
    expect(table.record(A, 's1', false)).toMatchObject({ reachability: 'unknown', confidence: 1, results: 1 })
    expect(table.record(A, 's2', false)).toMatchObject({ reachability: 'unreachable', confidence: 2 })
  })

  it('weighs disagreeing servers against agreeing ones', () => {
    const table = new AddressConfidence({ threshold: 3, window: 5 })
    for (const server of ['s1', 's2', 's3']) table.record(A, server, true)
    // one dissent: 3 to 1, margin 2 < 3
    expect(table.record(A, 's4', false)).toMatchObject({
      reachability: 'unknown',
      confidence: 2,
      changed: true,
    })
    expect(table.record(A, 's5', true)).toMatchObject({ reachability: 'reachable', confidence: 3 })
  })

  it('keeps only the last `window` results, so the verdict follows a change of network', () => {
    const table = new AddressConfidence({ threshold: 3, window: 3 })
    for (const server of ['s1', 's2', 's3']) table.record(A, server, true)
    expect(table.verdict(A).reachability).toBe('reachable')
    for (const server of ['s4', 's5']) table.record(A, server, false)
    expect(table.verdict(A)).toMatchObject({ reachability: 'unknown', results: 3 })
    expect(table.record(A, 's6', false)).toMatchObject({ reachability: 'unreachable', confidence: 3 })
  })

  it('tracks at most `maxAddresses`, dropping the one updated longest ago', () => {
    const table = new AddressConfidence({ threshold: 1, window: 1, maxAddresses: 2 })
    table.record(A, 's1', true)
    table.record(B, 's1', true)
    table.record(A, 's2', true) // A is now the most recent
    table.record('/ip4/198.51.100.9/tcp/1', 's1', false)
    expect(table.entries().map(([address]) => address)).toEqual([A, '/ip4/198.51.100.9/tcp/1'])
  })

  it('refuses a window smaller than the threshold', () => {
    expect(() => new AddressConfidence({ threshold: 3, window: 2 })).toThrow(RangeError)
    expect(() => new AddressConfidence({ threshold: 0 })).toThrow(RangeError)
  })
})
