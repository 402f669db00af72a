import type { IdentifyResult, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { encodeVarint } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeIdentify, type IdentifyMessage, type IdentifyService, identify } from '../src/index.js'
import { connect, type FakeNode, fakeNode, scriptedConnection } from './fakes.js'

const services: IdentifyService[] = []
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop()
})

async function started(node: FakeNode, init: Parameters<typeof identify>[0] = {}): Promise<IdentifyService> {
  const service = identify({ runOnConnectionOpen: false, ...init })(node.components)
  await service.start()
  services.push(service)
  return service
}

function nextIdentify(node: FakeNode): Promise<IdentifyResult> {
  return new Promise((resolve) =>
    node.events.addEventListener('peer:identify', (evt) => resolve(evt.detail), { once: true }),
  )
}

/** Answers an identify stream with raw bytes, then closes. */
function answer(bytes: Uint8Array, close = true): (stream: Stream) => void {
  return (stream) => {
    stream.send(bytes)
    if (close) void stream.close()
  }
}

function frame(message: IdentifyMessage): Uint8Array {
  return encodeIdentify(message, { lengthPrefixed: true })
}

const text = (bytes?: Uint8Array): string | undefined =>
  bytes == null ? undefined : new TextDecoder().decode(bytes)

describe('identify service', () => {
  it('registers both protocols with their limits and unregisters them on stop', async () => {
    const node = await fakeNode(4001)
    const service = identify({ maxInboundStreams: 3 })(node.components)
    await service.start()
    expect(node.registrar.handlers.get('/ipfs/id/1.0.0')?.options).toEqual({
      maxInboundStreams: 3,
      maxOutboundStreams: 1,
      runOnLimitedConnection: true,
    })
    expect(node.registrar.handlers.has('/ipfs/id/push/1.0.0')).toBe(true)
    expect(node.events.listenerCount('connection:open')).toBe(1)
    expect(node.events.listenerCount('self:peer:update')).toBe(1)
    await service.stop()
    expect(node.registrar.handlers.size).toBe(0)
    expect(node.events.listenerCount('connection:open')).toBe(0)
    expect(node.events.listenerCount('self:peer:update')).toBe(0)
  })

  it('uses protocolPrefix for both protocol ids', async () => {
    const node = await fakeNode(4001)
    const service = await started(node, { protocolPrefix: 'weft' })
    expect(service.protocol).toBe('/weft/id/1.0.0')
    expect(service.pushProtocol).toBe('/weft/id/push/1.0.0')
    expect([...node.registrar.handlers.keys()].sort()).toEqual(['/weft/id/1.0.0', '/weft/id/push/1.0.0'])
  })

  it('identifies the remote peer: result, peer store and peer:identify', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002, 'weft-test/1.2.3')
    b.registrar.extraProtocols = ['/chat/1.0.0']
    const service = await started(a)
    await started(b)
    const [ab] = connect(a, b)
    const event = nextIdentify(a)
    const result = await service.identify(ab)
    expect(await event).toBe(result)

    expect(result.peerId.equals(b.peerId)).toBe(true)
    expect(result.connection).toBe(ab)
    expect(result.agentVersion).toBe('weft-test/1.2.3')
    expect(result.protocolVersion).toBe('ipfs/0.1.0')
    expect(result.protocols).toEqual(['/chat/1.0.0', '/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0'])
    expect(result.listenAddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4002'])
    expect(result.publicKey).toEqual(publicKeyToProtobuf(b.privateKey.publicKey))
    expect(result.observedAddr?.toString()).toBe('/ip4/127.0.0.1/tcp/50000')
    expect(result.signedPeerRecord?.addresses.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4002'])
    expect(result.signedPeerRecord?.seq).toBeGreaterThan(0n)

    const peer = await a.peerStore.get(b.peerId)
    expect(peer.protocols).toEqual(result.protocols)
    expect(peer.addresses).toEqual([{ multiaddr: result.signedPeerRecord!.addresses[0], isCertified: true }])
    expect(text(peer.metadata.get('AgentVersion'))).toBe('weft-test/1.2.3')
    expect(text(peer.metadata.get('ProtocolVersion'))).toBe('ipfs/0.1.0')
    const envelope = await RecordEnvelope.openAndCertify(peer.peerRecordEnvelope!, PeerRecord.DOMAIN)
    expect(envelope.publicKey.equals(b.privateKey.publicKey)).toBe(true)

    // the observed address goes to the address manager
    expect(a.observed.map(String)).toEqual(['/ip4/127.0.0.1/tcp/50000'])
  })

  it('identifies every new connection on connection:open', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002)
    await started(a, { runOnConnectionOpen: true })
    await started(b)
    const [ab] = connect(a, b)
    const event = nextIdentify(a)
    a.events.safeDispatchEvent('connection:open', { detail: ab })
    const result = await event
    expect(result.peerId.equals(b.peerId)).toBe(true)
    expect((await a.peerStore.get(b.peerId)).protocols).toContain('/ipfs/id/1.0.0')
  })

  it('skips limited connections when runOnLimitedConnection is false', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002)
    await started(a, { runOnConnectionOpen: true, runOnLimitedConnection: false })
    await started(b)
    const [ab] = connect(a, b)
    Object.assign(ab, { limits: { bytes: 1024n } })
    a.events.safeDispatchEvent('connection:open', { detail: ab })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(a.peerStore.peers.size).toBe(0)
  })

  it('takes agentVersion from init first, then nodeInfo, then the weft default', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002, 'from-node-info')
    const c = await fakeNode(4003)
    const service = await started(a)
    await started(b, { agentVersion: 'from-init' })
    const [ab] = connect(a, b)
    expect((await service.identify(ab)).agentVersion).toBe('from-init')
    await started(c)
    const [ac] = connect(a, c)
    expect((await service.identify(ac)).agentVersion).toBe(`weft/0.1.0 node/${process.version}`)
  })

  it('rejects a public key that is not the remote peer, storing nothing', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    const other = await generateKeyPair()
    const connection = scriptedConnection(
      remote,
      answer(frame({ publicKey: publicKeyToProtobuf(other.publicKey), listenAddrs: [], protocols: ['/x'] })),
    )
    let dispatched = false
    a.events.addEventListener('peer:identify', () => (dispatched = true))
    await expect(service.identify(connection)).rejects.toMatchObject({ name: 'UnexpectedPeerError' })
    expect(a.peerStore.writes).toBe(0)
    expect(dispatched).toBe(false)
  })

  it('rejects a public key it cannot decode', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    const connection = scriptedConnection(
      remote,
      answer(frame({ publicKey: Uint8Array.of(8, 9, 18, 1, 0), listenAddrs: [], protocols: [] })),
    )
    await expect(service.identify(connection)).rejects.toMatchObject({ name: 'InvalidMessageError' })
  })

  it('discards a peer record signed by someone else and falls back to listenAddrs', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remoteKey = await generateKeyPair()
    const remote = peerIdFromPrivateKey(remoteKey)
    const otherKey = await generateKeyPair()
    const forged = await RecordEnvelope.seal(
      new PeerRecord({
        peerId: peerIdFromPrivateKey(otherKey),
        multiaddrs: [multiaddr('/ip4/6.6.6.6/tcp/1')],
      }),
      otherKey,
    )
    const message: IdentifyMessage = {
      publicKey: publicKeyToProtobuf(remoteKey.publicKey),
      listenAddrs: [multiaddr('/ip4/127.0.0.1/tcp/4010').bytes],
      protocols: ['/x/1.0.0'],
      signedPeerRecord: forged.marshal(),
    }
    const result = await service.identify(scriptedConnection(remote, answer(frame(message))))
    expect(result.signedPeerRecord).toBeUndefined()
    const peer = await a.peerStore.get(remote)
    expect(peer.addresses.map((address) => [address.multiaddr.toString(), address.isCertified])).toEqual([
      ['/ip4/127.0.0.1/tcp/4010', false],
    ])
    expect(peer.peerRecordEnvelope).toBeUndefined()
  })

  it('keeps a newer stored peer record over an older one', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remoteKey = await generateKeyPair()
    const remote = peerIdFromPrivateKey(remoteKey)
    const seal = async (seq: bigint, addr: string) =>
      (
        await RecordEnvelope.seal(
          new PeerRecord({ peerId: remote, multiaddrs: [multiaddr(addr)], seqNumber: seq }),
          remoteKey,
        )
      ).marshal()
    const respondWith = (record: Uint8Array) =>
      scriptedConnection(remote, answer(frame({ listenAddrs: [], protocols: [], signedPeerRecord: record })))
    await service.identify(respondWith(await seal(20n, '/ip4/127.0.0.1/tcp/20')))
    const old = await service.identify(respondWith(await seal(10n, '/ip4/127.0.0.1/tcp/10')))
    expect(old.signedPeerRecord?.seq).toBe(10n)
    const peer = await a.peerStore.get(remote)
    expect(peer.addresses.map((address) => address.multiaddr.toString())).toEqual(['/ip4/127.0.0.1/tcp/20'])
  })

  it('skips listen addresses it cannot parse', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    const message: IdentifyMessage = {
      listenAddrs: [Uint8Array.of(0xff, 0xff, 0x03, 1), multiaddr('/ip4/127.0.0.1/tcp/7').bytes],
      protocols: [],
    }
    const result = await service.identify(scriptedConnection(remote, answer(frame(message))))
    expect(result.listenAddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/7'])
  })

  it('merges a response split into two messages', async () => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remoteKey = await generateKeyPair()
    const remote = peerIdFromPrivateKey(remoteKey)
    const record = await RecordEnvelope.seal(
      new PeerRecord({ peerId: remote, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/99')] }),
      remoteKey,
    )
    const first = frame({ listenAddrs: [], protocols: ['/a/1.0.0'], agentVersion: 'split' })
    const second = frame({ listenAddrs: [], protocols: [], signedPeerRecord: record.marshal() })
    const bytes = new Uint8Array([...first, ...second])
    const result = await service.identify(scriptedConnection(remote, answer(bytes)))
    expect(result.agentVersion).toBe('split')
    expect(result.signedPeerRecord?.addresses.map(String)).toEqual(['/ip4/127.0.0.1/tcp/99'])
  })

  it.each([
    ['malformed protobuf', Uint8Array.of(2, 0x0a, 5), 'InvalidMessageError'],
    ['a message over maxMessageSize', encodeVarint(8193), 'MessageTooLargeError'],
    ['a stream that ends mid-message', Uint8Array.of(10, 1, 2), 'UnexpectedEOFError'],
    ['a stream that ends before any message', new Uint8Array(0), 'UnexpectedEOFError'],
    ['more than 4 messages', new Uint8Array(5), 'TooManyMessagesError'],
  ])('rejects %s', async (_, bytes, name) => {
    const a = await fakeNode(4001)
    const service = await started(a)
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    await expect(service.identify(scriptedConnection(remote, answer(bytes)))).rejects.toMatchObject({ name })
    expect(a.peerStore.writes).toBe(0)
  })

  it('times out when the remote never closes its end, and resets the stream', async () => {
    const a = await fakeNode(4001)
    const service = await started(a, { timeout: 100 })
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    let far: Stream | undefined
    const connection = scriptedConnection(remote, (stream) => {
      far = stream
      answer(frame({ listenAddrs: [], protocols: [] }), false)(stream)
    })
    const startedAt = Date.now()
    await expect(service.identify(connection)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - startedAt).toBeLessThan(2_000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(far?.status).toBe('reset')
  })

  it('stop() aborts an identify under way', async () => {
    const a = await fakeNode(4001)
    const service = identify({ runOnConnectionOpen: false })(a.components)
    await service.start()
    const remote = peerIdFromPrivateKey(await generateKeyPair())
    const pending = service.identify(scriptedConnection(remote, () => {}))
    await new Promise((resolve) => setTimeout(resolve, 10))
    await service.stop()
    await expect(pending).rejects.toMatchObject({ name: 'IdentifyStoppedError' })
  })

  it('lets one observer address fill at most one observed-address slot', async () => {
    // peers that all connect from one IP must not fill every slot with addresses
    // of their choosing: nothing ever takes unconfirmed ones out again
    const a = await fakeNode(4001)
    const service = await started(a, { maxObservedAddresses: 3 })
    const observe = async (observer: FakeNode, claimed: string): Promise<void> => {
      await started(observer)
      const [ab, ba] = connect(a, observer)
      Object.assign(ba, { remoteAddr: multiaddr(claimed) })
      await service.identify(ab)
    }
    await observe(await fakeNode(4002), '/ip4/198.51.100.1/tcp/1')
    await observe(await fakeNode(4003), '/ip4/198.51.100.2/tcp/2')
    await observe(await fakeNode(4004), '/ip4/198.51.100.3/tcp/3')
    expect(a.observed.map(String)).toEqual(['/ip4/198.51.100.1/tcp/1'])
    // an observer elsewhere still gets its observation through
    const elsewhere = await fakeNode(4005)
    elsewhere.listenAddrs = [multiaddr('/ip4/10.0.0.5/tcp/4005')]
    await observe(elsewhere, '/ip4/203.0.113.7/tcp/4001')
    expect(a.observed.map(String)).toEqual(['/ip4/198.51.100.1/tcp/1', '/ip4/203.0.113.7/tcp/4001'])
  })

  it('takes no observed address from a relayed connection, limited or not', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002)
    const service = await started(a)
    await started(b)
    const [ab] = connect(a, b)
    // a relay that announced no limit leaves `limits` unset
    Object.assign(ab, {
      remoteAddr: multiaddr(`/ip4/10.0.0.9/tcp/4009/p2p/${a.peerId}/p2p-circuit/p2p/${b.peerId}`),
    })
    const result = await service.identify(ab)
    expect(result.observedAddr).toBeDefined()
    expect(a.observed).toEqual([])
  })

  it('caps the observed addresses it reports at maxObservedAddresses', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002)
    const service = await started(a, { maxObservedAddresses: 1 })
    await started(b)
    a.observed.push(multiaddr('/ip4/127.0.0.1/tcp/1'))
    const [ab] = connect(a, b)
    await service.identify(ab)
    expect(a.observed).toHaveLength(1)
  })
})
