import type { ConnectionEncrypter } from '@libp2p/interface'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { defaultLogger } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import type { Components } from '../src/components.js'
import { ComponentNotReadyError } from '../src/errors.js'
import { createHost, type Host, type ModuleFactory } from '../src/host.js'
import { ComponentsBuilder, type HostPart } from '../src/internal/components-builder.js'
import { testPeer } from './fixtures/peer.js'

const PARTS: HostPart[] = [
  'peerStore',
  'registrar',
  'transportManager',
  'addressManager',
  'connectionManager',
  'upgrader',
]

const hosts: Host[] = []
let nextName = 0

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

describe('the components object', () => {
  it('throws ComponentNotReadyError, naming the part, for a part read before it is set', async () => {
    const peer = await testPeer()
    const { peerId, privateKey, logger, events } = peer
    const nodeInfo = { name: 'n', version: '1', userAgent: 'n/1' }
    const builder = new ComponentsBuilder({
      peerId,
      privateKey,
      logger,
      events,
      nodeInfo,
      connectionGater: {},
      peerRouting: { findPeer: async () => ({}) as never, getClosestPeers: async function* () {} },
    })
    for (const part of PARTS) {
      expect(() => builder.components[part]).toThrow(
        expect.objectContaining({
          name: 'ComponentNotReadyError',
          component: part,
          message: expect.stringContaining(`components.${part} was read before the host created it`),
        }),
      )
    }
    expect(() => builder.components.upgrader).toThrow(ComponentNotReadyError)
    builder.set('registrar', peer.registrar)
    expect(builder.components.registrar).toBe(peer.registrar)
    expect(() => builder.components.peerStore).toThrow(ComponentNotReadyError)
    expect(() => builder.set('registrar', peer.registrar)).toThrow(/already set/)
  })

  it('hands every module all parts, also when a module copies it with a spread', async () => {
    let copy: Components | undefined
    const service: ModuleFactory<object> = (components) => {
      copy = { ...components }
      return {}
    }
    const host = await createHost({
      addresses: { listen: [`/memory/components-test-${process.pid}-${nextName++}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { service },
    })
    hosts.push(host)
    for (const part of PARTS) {
      expect(host.components[part]).toBeDefined()
      expect(copy?.[part]).toBe(host.components[part])
    }
    expect(copy?.peerId.equals(host.peerId)).toBe(true)
    expect(host.components.upgrader.getConnectionEncrypters().has('/noise')).toBe(true)
  })

  it('fails createHost with ComponentNotReadyError when an encrypter reads the upgrader in its factory', async () => {
    const eager: ModuleFactory<ConnectionEncrypter> = (components) => {
      const muxers = components.upgrader.getStreamMuxers()
      throw new Error(`unreachable: read ${muxers.size} muxers`)
    }
    await expect(
      createHost({ connectionEncrypters: [eager], logger: defaultLogger() }),
    ).rejects.toMatchObject({ name: 'ComponentNotReadyError', component: 'upgrader' })
  })

  it('refuses two encrypters for one protocol', async () => {
    await expect(
      createHost({ connectionEncrypters: [noise(), noise()], start: false }),
    ).rejects.toMatchObject({
      name: 'InvalidParametersError',
      message: expect.stringContaining('/noise'),
    })
  })
})
