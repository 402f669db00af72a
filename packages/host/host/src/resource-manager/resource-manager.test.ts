import { describe, expect, it } from 'vitest'
import { type ResourceManagerInit, resolveResourceManagerConfig } from '../config.js'
import { ResourceLimitError } from '../errors.js'
import { scaledLimits } from './limits.js'
import { ResourceManager } from './resource-manager.js'

const MiB = 1024 * 1024
const PEER = '12D3KooWPeerA'
const OTHER = '12D3KooWPeerB'
const PING = '/ipfs/ping/1.0.0'

function manager(init: ResourceManagerInit = {}): ResourceManager {
  return new ResourceManager(
    resolveResourceManagerConfig({
      machine: { totalMemory: 8 * 1024 * MiB, fileDescriptors: 1024 },
      ...init,
    }),
  )
}

/** The error `run` throws, which must be a ResourceLimitError. */
function refusal(run: () => unknown): ResourceLimitError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(ResourceLimitError)
    return err as ResourceLimitError
  }
  throw new Error('expected a ResourceLimitError')
}

describe('resource manager scopes', () => {
  it('the system scope refuses a connection over its limit, naming itself', () => {
    const rm = manager({ system: { connectionsInbound: 1 } })
    rm.openConnection('inbound')
    const err = refusal(() => rm.openConnection('inbound'))
    expect(err).toMatchObject({ name: 'ResourceLimitError', scope: 'system', resource: 'connectionsInbound' })
    expect(err).toMatchObject({ limit: 1, used: 1, requested: 1 })
    // all or nothing: the refused connection left no trace in either scope
    expect(rm.stat().system.usage.connections).toBe(1)
    expect(rm.stat().transient.usage.connections).toBe(1)
    expect(rm.stat().connections).toBe(1)
    expect(rm.stat().refusals).toEqual([{ scope: 'system', resource: 'connectionsInbound', count: 1 }])
  })

  it('the transient scope refuses connections not yet secured', () => {
    const rm = manager({ transient: { connections: 2 } })
    const first = rm.openConnection('inbound', { fd: true })
    rm.openConnection('outbound')
    expect(refusal(() => rm.openConnection('inbound')).scope).toBe('transient')
    // once secured, a connection leaves the transient scope and makes room
    first.setPeer(PEER)
    expect(rm.stat().transient.usage.connections).toBe(1)
    expect(rm.stat().peers[PEER]?.usage).toMatchObject({ connections: 1, connectionsInbound: 1, fd: 1 })
    rm.openConnection('inbound').done()
  })

  it('a peer scope refuses a connection over its limit and the connection stays transient', () => {
    const rm = manager({ peer: { connections: 1 } })
    rm.openConnection('inbound').setPeer(PEER)
    const second = rm.openConnection('inbound')
    const err = refusal(() => second.setPeer(PEER))
    expect(err.scope).toBe(`peer:${PEER}`)
    expect(err.resource).toBe('connections')
    expect(rm.stat().transient.usage.connections).toBe(1)
    second.done()
    expect(rm.stat().transient.usage.connections).toBe(0)
    // another peer has a scope of its own
    rm.openConnection('inbound').setPeer(OTHER)
    expect(Object.keys(rm.stat().peers).sort()).toEqual([PEER, OTHER].sort())
  })

  it('a peer scope refuses streams over its limit', () => {
    const rm = manager({ peer: { streamsInbound: 2 } })
    rm.openStream(PEER, 'inbound')
    rm.openStream(PEER, 'inbound')
    expect(refusal(() => rm.openStream(PEER, 'inbound')).scope).toBe(`peer:${PEER}`)
    rm.openStream(PEER, 'outbound')
    rm.openStream(OTHER, 'inbound')
  })

  it('a protocol scope refuses streams over its own limit', () => {
    const rm = manager({ protocols: { [PING]: { streamsInbound: 1 } } })
    rm.openStream(PEER, 'inbound').setProtocol(PING)
    const second = rm.openStream(OTHER, 'inbound')
    const err = refusal(() => second.setProtocol(PING))
    expect(err).toMatchObject({ scope: `protocol:${PING}`, resource: 'streamsInbound', limit: 1 })
    // other protocols keep the default protocol limits
    rm.openStream(OTHER, 'inbound').setProtocol('/echo/1.0.0')
    expect(rm.stat().protocols[PING]?.usage.streams).toBe(1)
  })

  it('a connection scope refuses memory over its limit', () => {
    const rm = manager({ connection: { memory: 1000 }, connectionMemory: 0 })
    const connection = rm.openConnection('outbound')
    connection.reserveMemory(600)
    const err = refusal(() => connection.reserveMemory(401))
    expect(err).toMatchObject({
      scope: 'connection',
      resource: 'memory',
      limit: 1000,
      used: 600,
      requested: 401,
    })
    connection.releaseMemory(600)
    connection.reserveMemory(1000)
    expect(rm.stat().system.usage.memory).toBe(1000)
  })

  it('a stream scope refuses memory over its limit', () => {
    const rm = manager({ stream: { memory: 4096 }, streamMemory: 1024 })
    const stream = rm.openStream(PEER, 'inbound')
    expect(refusal(() => stream.reserveMemory(3073)).scope).toBe('stream')
    stream.reserveMemory(3072)
    expect(stream.stat().memory).toBe(4096)
  })

  it('a low priority fills only its share of the memory limit', () => {
    const rm = manager({ system: { memory: 256 * 1024 }, connectionMemory: 0 })
    const connection = rm.openConnection('inbound')
    // priority 63 may fill a quarter: 64 KiB
    connection.reserveMemory(64 * 1024, 63)
    expect(refusal(() => connection.reserveMemory(1, 63)).scope).toBe('system')
    connection.reserveMemory(1)
    expect(() => connection.reserveMemory(1, 256)).toThrow(RangeError)
    expect(() => connection.reserveMemory(-1)).toThrow(RangeError)
  })
})

describe('resource manager release', () => {
  it('done() gives everything back once; a new connection is admitted afterwards', () => {
    const rm = manager({ system: { connections: 1 } })
    const first = rm.openConnection('inbound', { fd: true })
    first.setPeer(PEER)
    first.reserveMemory(10_000)
    expect(() => rm.openConnection('inbound')).toThrow(ResourceLimitError)
    first.done()
    first.done()
    first.releaseMemory(10_000)
    expect(rm.stat().system.usage).toMatchObject({ connections: 0, fd: 0, memory: 0 })
    expect(rm.stat().peers).toEqual({})
    rm.openConnection('inbound').done()
  })

  it('200 streams and connections opened and closed leave every counter at zero', () => {
    const rm = manager()
    for (let round = 0; round < 200; round++) {
      const connection = rm.openConnection(round % 2 === 0 ? 'inbound' : 'outbound', { fd: true })
      connection.setPeer(`peer-${round % 7}`)
      const stream = rm.openStream(`peer-${round % 7}`, 'outbound')
      stream.reserveMemory(100)
      stream.setProtocol(`/proto/${round % 5}`)
      stream.releaseMemory(1_000_000)
      if (round % 3 === 0) connection.done()
      stream.done()
      connection.done()
      stream.done()
    }
    const stat = rm.stat()
    for (const scope of [stat.system, stat.transient]) {
      for (const value of Object.values(scope.usage)) expect(value).toBe(0)
    }
    expect(stat.peers).toEqual({})
    expect(stat.protocols).toEqual({})
    expect(stat.connections).toBe(0)
    expect(stat.streams).toBe(0)
  })

  it('refused reservations leak nothing, and idle peer scopes are dropped', () => {
    const rm = manager({ peer: { streams: 1 } })
    const held = rm.openStream(PEER, 'inbound')
    for (let i = 0; i < 50; i++) expect(() => rm.openStream(PEER, 'inbound')).toThrow(ResourceLimitError)
    expect(rm.stat().streams).toBe(1)
    expect(rm.stat().system.usage.streams).toBe(1)
    held.done()
    expect(rm.stat().peers).toEqual({})
    expect(rm.stat().refusals).toEqual([{ scope: 'peer', resource: 'streams', count: 50 }])
  })
})

describe('resource limits config', () => {
  it('scales the defaults with the machine', () => {
    const small = scaledLimits({ totalMemory: 512 * MiB })
    const large = scaledLimits({ totalMemory: 32 * 1024 * MiB, fileDescriptors: 65_536 })
    expect(small.system.memory).toBe(64 * MiB)
    expect(small.system.fd).toBe(512)
    expect(large.system.memory).toBe(2 * 1024 * MiB)
    expect(large.system.fd).toBe(32_768)
    expect(large.system.connections).toBeGreaterThan(small.system.connections)
    expect(large.peer.streams).toBeLessThan(large.system.streams)
  })

  it('validates overrides and lifts every limit with false', () => {
    expect(() => resolveResourceManagerConfig({ system: { streams: -1 } })).toThrow(
      /resources\.system\.streams/,
    )
    expect(() => resolveResourceManagerConfig({ peer: { memory: 1.5 } })).toThrow(RangeError)
    expect(() => resolveResourceManagerConfig({ peer: { sockets: 1 } as never })).toThrow(/not a resource/)
    expect(() => resolveResourceManagerConfig({ machine: { totalMemory: 0 } })).toThrow(RangeError)
    expect(
      resolveResourceManagerConfig({ peer: { streams: Number.POSITIVE_INFINITY } }).limits.peer.streams,
    ).toBe(Number.POSITIVE_INFINITY)
    const off = resolveResourceManagerConfig(false)
    expect(off.limits.system.connections).toBe(Number.POSITIVE_INFINITY)
    expect(off.streamMemory).toBe(0)
  })
})
