import { describe, expect, it } from 'vitest'
import { resolveConnectionManagerConfig } from './config.js'

describe('resolveConnectionManagerConfig', () => {
  it('fills in every default', () => {
    expect(resolveConnectionManagerConfig()).toEqual({
      maxConnections: 300,
      maxIncomingPendingConnections: 10,
      maxIncomingPendingPerAddress: 3,
      maxIncomingPendingRelayed: 5,
    })
  })

  it('derives the relayed slots from the pending ones (half, at least 1)', () => {
    expect(
      resolveConnectionManagerConfig({ maxIncomingPendingConnections: 1 }).maxIncomingPendingRelayed,
    ).toBe(1)
  })

  it('lets Infinity turn the per-address cap off', () => {
    const config = resolveConnectionManagerConfig({
      maxIncomingPendingConnectionsPerAddress: Number.POSITIVE_INFINITY,
    })
    expect(config.maxIncomingPendingPerAddress).toBe(Number.POSITIVE_INFINITY)
  })

  it('refuses limits out of range', () => {
    expect(() => resolveConnectionManagerConfig({ maxConnections: 0 })).toThrow(RangeError)
    expect(() => resolveConnectionManagerConfig({ maxIncomingPendingConnections: -1 })).toThrow(RangeError)
    expect(() => resolveConnectionManagerConfig({ maxIncomingPendingConnectionsPerAddress: 0 })).toThrow(
      RangeError,
    )
  })
})
