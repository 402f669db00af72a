/**
 * Every knob of the host's parts is reachable from `createHost`: the
 * registrar's bounds and the listeners' close timeout.
 */
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../src/index.js'

const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

describe('createHost options of the registrar and the transport manager', () => {
  it('registrar.maxHandlers bounds the protocols handled at once', async () => {
    const host = await createHost({
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      registrar: { maxHandlers: 2 },
      transportManager: { listenerCloseTimeout: 1_000 },
    })
    hosts.push(host)
    await host.handle('/a/1.0.0', () => {})
    await host.handle('/b/1.0.0', () => {})
    await expect(host.handle('/c/1.0.0', () => {})).rejects.toThrow(/would exceed 2 protocols/)
    expect(host.getProtocols()).toEqual(['/a/1.0.0', '/b/1.0.0'])
  })
})
