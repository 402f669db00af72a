import { describe, expect, it } from 'vitest'
import { DEFAULTS, reconnectDelay, resolveConfig } from './config.js'

describe('config', () => {
  it('fills the defaults', () => {
    const config = resolveConfig({ brokers: ['mqtt://127.0.0.1:1883'] })
    expect(config).toMatchObject({ ...DEFAULTS, brokers: ['mqtt://127.0.0.1:1883'] })
  })

  it('refuses bad options with a RangeError naming them', () => {
    expect(() => resolveConfig({ brokers: [] })).toThrow(/brokers/)
    expect(() => resolveConfig({ brokers: ['http://x'] })).toThrow(/brokers/)
    expect(() => resolveConfig({ brokers: ['mqtt://x'], topicPrefix: 'a/#' })).toThrow(/topicPrefix/)
    expect(() => resolveConfig({ brokers: ['mqtt://x'], topicPrefix: 'a/' })).toThrow(/topicPrefix/)
    expect(() => resolveConfig({ brokers: ['mqtt://x'], messageTtl: 120_000 })).toThrow(/messageTtl/)
    expect(() => resolveConfig({ brokers: ['mqtt://x'], maxMessageSize: 10_000_000 })).toThrow(
      /maxMessageSize/,
    )
    expect(() => resolveConfig({ brokers: ['mqtt://x'], senderRate: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ brokers: ['mqtt://x'], maxReconnectDelay: 10 })).toThrow(/maxReconnectDelay/)
  })

  it('backs off by doubling up to the ceiling, with at most a quarter of jitter', () => {
    const none = () => 0
    expect([0, 1, 2, 3, 10].map((attempt) => reconnectDelay(attempt, 500, 3_000, none))).toEqual([
      500, 1_000, 2_000, 3_000, 3_000,
    ])
    expect(reconnectDelay(1, 500, 3_000, () => 1)).toBe(750)
    expect(reconnectDelay(1_000, 500, 30_000, () => 0.5)).toBe(26_250)
  })
})
