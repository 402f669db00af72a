import type { Connection, IdentifyResult, PeerId } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { resolveRegistrarConfig } from '../src/config.js'
import { Registrar } from '../src/registrar.js'
import { testPeer } from './fixtures/peer.js'

const handler = (): void => {}

async function otherPeer(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

function fakeConnection(remotePeer: PeerId, limited = false): Connection {
  return { remotePeer, status: 'open', limits: limited ? { seconds: 1 } : undefined } as unknown as Connection
}

function identify(events: EventTarget, peerId: PeerId, protocols: string[], connection: Connection): void {
  const detail = { peerId, protocols, connection, listenAddrs: [] } as unknown as IdentifyResult
  events.dispatchEvent(new CustomEvent('peer:identify', { detail }))
}

describe('Registrar', () => {
  it('handles and unhandles protocols and lists them in our peer store record', async () => {
    const { registrar, peerStore, peerId } = await testPeer()
    await registrar.handle(['/b/1', '/a/1'], handler)
    expect(registrar.getProtocols()).toEqual(['/a/1', '/b/1'])
    expect((await peerStore.get(peerId)).protocols).toEqual(['/a/1', '/b/1'])
    expect(registrar.getHandler('/a/1').options).toMatchObject({
      maxInboundStreams: 32,
      maxOutboundStreams: 64,
    })
    await registrar.unhandle('/a/1')
    expect((await peerStore.get(peerId)).protocols).toEqual(['/b/1'])
    expect(() => registrar.getHandler('/a/1')).toThrow(
      expect.objectContaining({ name: 'UnhandledProtocolError' }),
    )
  })

  it('refuses a second handler unless forced', async () => {
    const { registrar } = await testPeer()
    await registrar.handle('/a/1', handler)
    await expect(registrar.handle('/a/1', handler)).rejects.toMatchObject({
      name: 'DuplicateProtocolHandlerError',
    })
    const replacement = (): void => {}
    await registrar.handle('/a/1', replacement, { force: true, maxInboundStreams: 1 })
    expect(registrar.getHandler('/a/1')).toMatchObject({
      handler: replacement,
      options: { maxInboundStreams: 1 },
    })
  })

  it('bounds the number of handlers and rejects bad arguments', async () => {
    const peer = await testPeer()
    const registrar = new Registrar(peer, resolveRegistrarConfig({ maxHandlers: 1 }))
    await registrar.handle('/a/1', handler)
    await expect(registrar.handle('/b/1', handler)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    await expect(registrar.handle('', handler)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    await expect(registrar.handle('/c/1', 'nope' as never)).rejects.toMatchObject({
      name: 'InvalidParametersError',
    })
  })

  it('keeps middleware per protocol, then the handler options middleware', async () => {
    const { registrar } = await testPeer()
    const first = (): void => {}
    const second = (): void => {}
    await registrar.handle('/a/1', handler, { middleware: [second] })
    registrar.use('/a/1', first)
    expect(registrar.getMiddleware('/a/1')).toEqual([first, second])
    registrar.unuse('/a/1')
    expect(registrar.getMiddleware('/a/1')).toEqual([second])
  })

  it('tells topologies when a peer with their protocol connects and disconnects', async () => {
    const { registrar, events } = await testPeer()
    const calls: string[] = []
    const id = await registrar.register('/topic/1', {
      onConnect: (peer) => void calls.push(`connect ${peer}`),
      onDisconnect: (peer) => void calls.push(`disconnect ${peer}`),
    })
    expect(registrar.getTopologies('/topic/1')).toHaveLength(1)
    const remote = await otherPeer()
    identify(events, remote, ['/other/1'], fakeConnection(remote))
    expect(calls).toEqual([])
    identify(events, remote, ['/topic/1'], fakeConnection(remote))
    identify(events, remote, ['/topic/1'], fakeConnection(remote))
    expect(calls).toEqual([`connect ${remote}`])
    events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: remote }))
    events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: remote }))
    expect(calls).toEqual([`connect ${remote}`, `disconnect ${remote}`])
    registrar.unregister(id)
    identify(events, remote, ['/topic/1'], fakeConnection(remote))
    expect(calls).toHaveLength(2)
  })

  it('follows protocol changes in peer:update, and skips limited connections unless asked', async () => {
    const peer = await testPeer()
    const remote = await otherPeer()
    const connection = fakeConnection(remote, true)
    const registrar = new Registrar({ ...peer, connectionManager: { getConnections: () => [connection] } })
    const calls: string[] = []
    await registrar.register('/topic/1', { onConnect: () => void calls.push('strict') })
    await registrar.register('/topic/1', {
      notifyOnLimitedConnection: true,
      onConnect: () => void calls.push('connect'),
      onDisconnect: () => void calls.push('disconnect'),
    })
    await peer.peerStore.merge(remote, { protocols: ['/topic/1'] })
    expect(calls).toEqual(['connect'])
    await peer.peerStore.patch(remote, { protocols: [] })
    expect(calls).toEqual(['connect', 'disconnect'])
  })

  it('tells a new topology about peers already connected', async () => {
    const peer = await testPeer()
    const remote = await otherPeer()
    await peer.peerStore.merge(remote, { protocols: ['/topic/1'] })
    const connection = fakeConnection(remote)
    const registrar = new Registrar({ ...peer, connectionManager: { getConnections: () => [connection] } })
    const seen: Connection[] = []
    await registrar.register('/topic/1', { onConnect: (_peer, conn) => void seen.push(conn) })
    expect(seen).toEqual([connection])
  })

  it('survives a topology whose callbacks throw', async () => {
    const { registrar, events } = await testPeer()
    await registrar.register('/topic/1', {
      onConnect: () => {
        throw new Error('sync')
      },
      onDisconnect: async () => {
        throw new Error('async')
      },
    })
    const remote = await otherPeer()
    identify(events, remote, ['/topic/1'], fakeConnection(remote))
    events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: remote }))
  })
})
