import { describe, expect, it } from 'vitest'
import { resolveConfig } from './config.js'

describe('resolveConfig', () => {
  it('has the documented defaults', () => {
    expect(resolveConfig()).toEqual({
      initiator: undefined,
      maxInboundStreams: 1024,
      maxOutboundStreams: 1024,
      maxMessageSize: 65536,
      maxEarlyStreams: 10,
      enableKeepAlive: true,
      keepAliveInterval: 30_000,
      initialStreamWindowSize: 262144,
      maxStreamWindowSize: 16 * 1024 * 1024,
      streamOptions: {},
    })
  })

  it('separates window sizes from the per-stream buffer options', () => {
    const config = resolveConfig({
      streamOptions: {
        initialStreamWindowSize: 1 << 20,
        maxStreamWindowSize: 1 << 22,
        maxReadBufferLength: 99,
      },
    })
    expect(config.initialStreamWindowSize).toBe(1 << 20)
    expect(config.maxStreamWindowSize).toBe(1 << 22)
    expect(config.streamOptions).toEqual({ maxReadBufferLength: 99 })
  })

  it('rejects windows the spec does not allow', () => {
    expect(() => resolveConfig({ streamOptions: { initialStreamWindowSize: 1000 } })).toThrow(RangeError)
    expect(() =>
      resolveConfig({ streamOptions: { initialStreamWindowSize: 1 << 20, maxStreamWindowSize: 1 << 19 } }),
    ).toThrow(RangeError)
    expect(() => resolveConfig({ streamOptions: { maxStreamWindowSize: 2 ** 32 } })).toThrow(RangeError)
  })

  it('rejects nonsense limits', () => {
    expect(() => resolveConfig({ maxMessageSize: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ maxInboundStreams: -1 })).toThrow(RangeError)
    expect(() => resolveConfig({ keepAliveInterval: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ maxOutboundStreams: 1.5 })).toThrow(RangeError)
  })
})
