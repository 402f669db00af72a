import { describe, expect, it } from 'vitest'
import { checkIdentify, ECHO_PROTOCOL, payload, readConfig } from './harness.js'

describe('readConfig', () => {
  it('reads the transport-interop (lower-case) names with defaults', () => {
    const config = readConfig({
      transport: 'tcp',
      muxer: 'mplex',
      is_dialer: 'true',
      test_timeout_seconds: '30',
    })
    expect(config).toMatchObject({
      transport: 'tcp',
      security: 'noise',
      muxer: 'mplex',
      isDialer: true,
      ip: '127.0.0.1',
      listenAddr: '/ip4/127.0.0.1/tcp/0',
      listenerAddr: undefined,
      timeoutMs: 30_000,
    })
  })

  it('reads the unified-testing (upper-case) names', () => {
    const config = readConfig({
      TRANSPORT: 'ws',
      SECURE_CHANNEL: 'tls',
      MUXER: 'yamux',
      IS_DIALER: 'false',
      LISTENER_IP: '::1',
      LISTENER_ADDR: '/ip6/::1/tcp/1/ws/p2p/x',
    })
    expect(config).toMatchObject({
      transport: 'ws',
      security: 'tls',
      isDialer: false,
      listenAddr: '/ip6/::1/tcp/0/ws',
      listenerAddr: '/ip6/::1/tcp/1/ws/p2p/x',
    })
  })

  it('rejects what it does not support, naming the variable', () => {
    expect(() => readConfig({ transport: 'webrtc' })).toThrow(
      /transport: expected tcp, ws or quic-v1, got webrtc/,
    )
    expect(() => readConfig({ security: 'secio' })).toThrow(/security: expected noise or tls, got secio/)
    expect(() => readConfig({ muxer: 'spdy' })).toThrow(/muxer: expected yamux or mplex/)
    expect(() => readConfig({ test_timeout_seconds: '-1' })).toThrow(/test_timeout_seconds/)
  })
})

describe('checkIdentify', () => {
  it('lists what is missing from an identify report', () => {
    const complete = {
      agentVersion: 'x/1',
      protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', ECHO_PROTOCOL],
      listenAddrs: ['/ip4/127.0.0.1/tcp/1'],
    }
    expect(checkIdentify(complete)).toEqual([])
    expect(checkIdentify({ agentVersion: '', protocols: [], listenAddrs: [] })).toHaveLength(5)
  })
})

describe('payload', () => {
  it('is deterministic and not constant', () => {
    const a = payload(1024, 7)
    expect(a).toEqual(payload(1024, 7))
    expect(new Set(a).size).toBeGreaterThan(200)
  })
})
