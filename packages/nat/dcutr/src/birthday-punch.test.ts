import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { canSearch, searchTarget, withSearch } from './birthday-punch.js'
import { resolveConfig } from './config.js'
import type { PunchContext } from './punch.js'

const QUIC = multiaddr('/ip4/198.51.100.20/udp/4001/quic-v1')
const TCP = multiaddr('/ip4/198.51.100.20/tcp/4001')

function context(transport: object | undefined, birthday?: false): PunchContext {
  return {
    config: resolveConfig({ birthday }),
    components: { transportManager: { dialTransportForMultiaddr: () => transport } },
  } as unknown as PunchContext
}

describe('taking part in a birthday search', () => {
  const probing = { dial: async () => {}, sendDatagram: () => true }

  it('needs the search on, a QUIC address of ours and a transport that can probe', () => {
    expect(canSearch(context(probing), [TCP, QUIC])).toBe(true)
    expect(canSearch(context(probing, false), [QUIC])).toBe(false)
    expect(canSearch(context(probing), [TCP])).toBe(false)
    expect(canSearch(context({ dial: async () => {} }), [QUIC])).toBe(false)
    expect(canSearch(context(undefined), [QUIC])).toBe(false)
  })

  it('says so in our NAT report, and says nothing without a report', () => {
    const report = { mapping: 'endpoint-independent' as const }
    expect(withSearch(report, true)).toEqual({ ...report, birthday: true })
    expect(withSearch(report, false)).toBe(report)
    expect(withSearch(undefined, true)).toBeUndefined()
  })
})

describe('where the random side aims', () => {
  it('at the QUIC port of a cone, at the next ports of a sequential NAT', () => {
    expect(searchTarget(QUIC, undefined, 128)).toEqual({ host: '198.51.100.20', ports: [4001] })
    expect(searchTarget(QUIC, 2, 3)).toEqual({ host: '198.51.100.20', ports: [4003, 4005, 4007] })
    // never below 1024 nor above 65535
    expect(searchTarget(multiaddr('/ip4/198.51.100.20/udp/1025/quic-v1'), -1, 4).ports).toEqual([1024])
    expect(searchTarget(multiaddr('/ip4/198.51.100.20/udp/65534/quic-v1'), 1, 4).ports).toEqual([65_535])
  })
})
