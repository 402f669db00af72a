import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import {
  resolveAddressManagerConfig,
  resolveAutoDialerConfig,
  resolveConnectionConfig,
  resolveConnectionManagerConfig,
  resolveDialerConfig,
  resolveLadderConfig,
  resolvePeerDiscoveryConfig,
  resolveRegistrarConfig,
  resolveTransportManagerConfig,
  resolveUpgraderConfig,
} from './config.js'

const dialerDefaults = {
  dialTimeout: 5_000,
  maxParallelDials: 100,
  maxDialQueueLength: 500,
  maxPeerAddrsToDial: 25,
  maxDialsPerPeer: 4,
  addressDialDelay: 250,
  ladder: { rungs: new Map(), stagger: 500, rungTimeout: 10_000, relayedWait: 2_000 },
}

const autoDialerDefaults = {
  minConnections: 10,
  interval: 10_000,
  concurrency: 2,
  retryDelay: 10_000,
  maxRetryDelay: 300_000,
}

describe('resolveConnectionManagerConfig', () => {
  it('fills in every default', () => {
    expect(resolveConnectionManagerConfig()).toEqual({
      maxConnections: 300,
      maxIncomingPendingConnections: 10,
      maxIncomingPendingPerAddress: 3,
      maxIncomingPendingRelayed: 5,
      duplicateConnectionCloseDelay: 500,
      dialer: dialerDefaults,
      autoDialer: autoDialerDefaults,
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

  it('keeps the low watermark at or below maxConnections', () => {
    expect(resolveConnectionManagerConfig({ maxConnections: 4 }).autoDialer.minConnections).toBe(4)
    expect(resolveConnectionManagerConfig({ minConnections: 0 }).autoDialer.minConnections).toBe(0)
  })

  it('resolves the dialer and auto-dialer options it carries', () => {
    const config = resolveConnectionManagerConfig({ dialTimeout: 50, autoDialConcurrency: 5 })
    expect(config.dialer.dialTimeout).toBe(50)
    expect(config.autoDialer.concurrency).toBe(5)
  })

  it('refuses limits out of range', () => {
    expect(() => resolveConnectionManagerConfig({ maxConnections: 0 })).toThrow(RangeError)
    expect(() => resolveConnectionManagerConfig({ maxIncomingPendingConnections: -1 })).toThrow(RangeError)
    expect(() => resolveConnectionManagerConfig({ maxIncomingPendingConnectionsPerAddress: 0 })).toThrow(
      RangeError,
    )
    expect(() => resolveConnectionManagerConfig({ maxDialsPerPeer: 0 })).toThrow(/maxDialsPerPeer/)
    expect(() => resolveConnectionManagerConfig({ minConnections: -1 })).toThrow(/minConnections/)
    expect(() => resolveConnectionManagerConfig({ duplicateConnectionCloseDelay: -1 })).toThrow(
      /^duplicateConnectionCloseDelay must be/,
    )
  })
})

describe('resolveDialerConfig', () => {
  it('fills in every default', () => {
    expect(resolveDialerConfig()).toEqual(dialerDefaults)
  })

  it('refuses each option out of range, naming it', () => {
    const bad = {
      dialTimeout: 0,
      maxParallelDials: 0,
      maxDialQueueLength: -1,
      maxPeerAddrsToDial: 1.5,
      maxDialsPerPeer: 0,
      addressDialDelay: -1,
    } as const
    for (const [name, value] of Object.entries(bad)) {
      expect(() => resolveDialerConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`))
      expect(() => resolveDialerConfig({ [name]: value })).toThrow(RangeError)
    }
    expect(resolveDialerConfig({ addressDialDelay: 0, maxDialQueueLength: 0 })).toMatchObject({
      addressDialDelay: 0,
      maxDialQueueLength: 0,
    })
  })
})

describe('resolveLadderConfig', () => {
  it('switches rungs off, reorders and times them by name', () => {
    const config = resolveLadderConfig({
      rungs: { relay: false, turn: { enabled: false }, 'hole-punch': { order: 50, timeout: 8_000 } },
      stagger: 100,
    })
    expect(config.rungs.get('relay')).toEqual({ enabled: false })
    expect(config.rungs.get('turn')).toMatchObject({ enabled: false })
    expect(config.rungs.get('hole-punch')).toEqual({ enabled: true, order: 50, timeout: 8_000 })
    expect(config.stagger).toBe(100)
  })

  it('refuses each option out of range, naming it', () => {
    expect(() => resolveLadderConfig({ stagger: -1 })).toThrow(/^ladder.stagger must be/)
    expect(() => resolveLadderConfig({ rungTimeout: 0 })).toThrow(/^ladder.rungTimeout must be/)
    expect(() => resolveLadderConfig({ relayedWait: -5 })).toThrow(/^ladder.relayedWait must be/)
    expect(() => resolveLadderConfig({ rungs: { direct: { timeout: 0 } } })).toThrow(
      /^ladder.rungs.direct.timeout must be/,
    )
    expect(() => resolveLadderConfig({ rungs: { direct: { order: Number.NaN } } })).toThrow(RangeError)
  })
})

describe('resolveAutoDialerConfig', () => {
  it('fills in every default', () => {
    expect(resolveAutoDialerConfig()).toEqual(autoDialerDefaults)
  })

  it('refuses each option out of range, naming it', () => {
    const bad = {
      minConnections: -1,
      autoDialInterval: 0,
      autoDialConcurrency: 0,
      autoDialRetryDelay: -1,
      autoDialMaxRetryDelay: Number.NaN,
    } as const
    for (const [name, value] of Object.entries(bad)) {
      expect(() => resolveAutoDialerConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`))
    }
  })
})

describe('resolveConnectionConfig and resolveUpgraderConfig', () => {
  it('fill in every default', () => {
    const connection = {
      inboundNegotiationTimeout: 10_000,
      outboundNegotiationTimeout: 10_000,
      closeTimeout: 2_000,
    }
    expect(resolveConnectionConfig()).toEqual(connection)
    expect(resolveUpgraderConfig()).toEqual({
      connectionEncrypters: [],
      streamMuxers: [],
      inboundUpgradeTimeout: 3_000,
      connection,
    })
  })

  it('hands the connection timeouts through the upgrader', () => {
    expect(resolveUpgraderConfig({ closeTimeout: 7 }).connection.closeTimeout).toBe(7)
  })

  it('refuses timeouts that are not positive', () => {
    expect(() => resolveConnectionConfig({ closeTimeout: 0 })).toThrow(/^closeTimeout must be/)
    expect(() => resolveConnectionConfig({ inboundStreamProtocolNegotiationTimeout: -5 })).toThrow(RangeError)
    expect(() => resolveConnectionConfig({ outboundStreamProtocolNegotiationTimeout: Infinity })).toThrow(
      RangeError,
    )
    expect(() => resolveUpgraderConfig({ inboundUpgradeTimeout: 0 })).toThrow(
      /^inboundUpgradeTimeout must be/,
    )
  })
})

describe('the other parts', () => {
  it('fill in every default', () => {
    expect(resolveRegistrarConfig()).toEqual({ maxHandlers: 1024, maxTopologies: 1024 })
    expect(resolveTransportManagerConfig()).toEqual({ listen: [], listenerCloseTimeout: 5_000 })
    expect(resolvePeerDiscoveryConfig()).toEqual({ maxAddresses: 64, maxPending: 256 })
    const addresses = resolveAddressManagerConfig()
    expect(addresses).toMatchObject({
      announce: [],
      appendAnnounce: [],
      noAnnounce: [],
      maxObservedAddresses: 20,
    })
    const list = [multiaddr('/ip4/1.2.3.4/tcp/1')]
    expect(addresses.announceFilter(list)).toBe(list)
  })

  it('parses address strings once', () => {
    const config = resolveAddressManagerConfig({
      announce: ['/ip4/1.2.3.4/tcp/1'],
      noAnnounce: [multiaddr('/dns4/a.example/tcp/1')],
    })
    expect(config.announce.map(String)).toEqual(['/ip4/1.2.3.4/tcp/1'])
    expect(config.noAnnounce.map(String)).toEqual(['/dns4/a.example/tcp/1'])
    expect(() => resolveAddressManagerConfig({ announce: ['1.2.3.4:1'] })).toThrow(/not a multiaddr/)
  })

  it('refuses limits out of range, naming them', () => {
    expect(() => resolveRegistrarConfig({ maxHandlers: 0 })).toThrow(/^maxHandlers must be/)
    expect(() => resolveRegistrarConfig({ maxTopologies: 2.5 })).toThrow(/^maxTopologies must be/)
    expect(() => resolveTransportManagerConfig({ listenerCloseTimeout: -1 })).toThrow(
      /^listenerCloseTimeout must be/,
    )
    expect(() => resolveAddressManagerConfig({ maxObservedAddresses: -1 })).toThrow(
      /^maxObservedAddresses must be/,
    )
    expect(() => resolvePeerDiscoveryConfig({ maxAddresses: -1 })).toThrow(/^maxAddresses must be/)
    expect(() => resolvePeerDiscoveryConfig({ maxPending: 0 })).toThrow(/^maxPending must be/)
  })
})
