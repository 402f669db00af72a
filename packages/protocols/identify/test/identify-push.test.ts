import type { Connection, IdentifyResult } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { streamPair } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeIdentify, type IdentifyMessage, type IdentifyService, identify } from '../src/index.js'
import { connect, type FakeNode, fakeNode } from './fakes.js'

const services: IdentifyService[] = []
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop()
})

async function started(node: FakeNode, init: Parameters<typeof identify>[0] = {}): Promise<IdentifyService> {
  const service = identify({ runOnConnectionOpen: false, pushDebounce: 10, ...init })(node.components)
  await service.start()
  services.push(service)
  return service
}

function collect(node: FakeNode): IdentifyResult[] {
  const results: IdentifyResult[] = []
  node.events.addEventListener('peer:identify', (evt) => results.push(evt.detail))
  return results
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

/** Identifies in both directions, so each side knows the other accepts pushes. */
async function pair(): Promise<{
  a: FakeNode
  b: FakeNode
  serviceA: IdentifyService
  ab: Connection
  ba: Connection
}> {
  const a = await fakeNode(4001)
  const b = await fakeNode(4002)
  const serviceA = await started(a)
  const serviceB = await started(b)
  const [ab, ba] = connect(a, b)
  await serviceA.identify(ab)
  await serviceB.identify(ba)
  return { a, b, serviceA, ab, ba }
}

/** Runs `node`'s push handler on a stream carrying `bytes`, as if `connection`'s peer pushed them. */
async function deliverPush(node: FakeNode, connection: Connection, bytes: Uint8Array): Promise<void> {
  const [near, far] = streamPair()
  const handled = node.registrar.handlers.get('/ipfs/id/push/1.0.0')!.handler(far, connection)
  near.send(bytes)
  await near.close()
  await handled
}

describe('identify push', () => {
  it('pushes our new addresses to connected peers after self:peer:update', async () => {
    const { a, b } = await pair()
    const received = collect(b)
    a.listenAddrs = [multiaddr('/ip4/127.0.0.1/tcp/5001'), multiaddr('/ip4/127.0.0.1/tcp/5002')]
    a.events.safeDispatchEvent('self:peer:update', { detail: {} })
    await until(() => received.length === 1)
    const [result] = received
    expect(result!.peerId.equals(a.peerId)).toBe(true)
    expect(result!.signedPeerRecord?.addresses.map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/5001',
      '/ip4/127.0.0.1/tcp/5002',
    ])
    const stored = await b.peerStore.get(a.peerId)
    expect(stored.addresses.map((address) => [address.multiaddr.toString(), address.isCertified])).toEqual([
      ['/ip4/127.0.0.1/tcp/5001', true],
      ['/ip4/127.0.0.1/tcp/5002', true],
    ])
  })

  it('gathers a burst of updates into one push', async () => {
    const { a, b } = await pair()
    const received = collect(b)
    for (let i = 0; i < 5; i++) {
      a.listenAddrs = [multiaddr(`/ip4/127.0.0.1/tcp/${6000 + i}`)]
      a.events.safeDispatchEvent('self:peer:update', { detail: {} })
    }
    await until(() => received.length === 1)
    await sleep(50)
    expect(received).toHaveLength(1)
    expect(received[0]!.signedPeerRecord?.addresses.map(String)).toEqual(['/ip4/127.0.0.1/tcp/6004'])
  })

  it('re-seals the record with a higher seq only when our addresses change', async () => {
    const { a, b, ab } = await pair()
    const serviceB = services[1]!
    const first = await serviceB.identify(connect(b, a)[0])
    const again = await serviceB.identify(connect(b, a)[0])
    expect(again.signedPeerRecord?.seq).toBe(first.signedPeerRecord?.seq)
    a.listenAddrs = [multiaddr('/ip4/127.0.0.1/tcp/7000')]
    a.events.safeDispatchEvent('self:peer:update', { detail: {} })
    const changed = await serviceB.identify(connect(b, a)[0])
    expect(changed.signedPeerRecord!.seq).toBeGreaterThan(first.signedPeerRecord!.seq)
    expect(ab.status).toBe('open')
  })

  it('does not push to peers that do not accept pushes', async () => {
    const a = await fakeNode(4001)
    const b = await fakeNode(4002)
    const serviceA = await started(a)
    await started(b)
    connect(a, b) // a has not identified b, so it does not know b accepts pushes
    const received = collect(b)
    await serviceA.push()
    await sleep(30)
    expect(received).toHaveLength(0)
  })

  it('applies a partial push without forgetting what it does not mention', async () => {
    const { a, b, ba } = await pair()
    const received = collect(b)
    const before = await b.peerStore.get(a.peerId)
    const addresses = before.addresses.map((address) => address.multiaddr.toString())
    expect(addresses).toHaveLength(1)
    await deliverPush(
      b,
      ba,
      encodeIdentify({ listenAddrs: [], protocols: ['/new/1.0.0'] }, { lengthPrefixed: true }),
    )
    const after = await b.peerStore.get(a.peerId)
    expect(after.protocols).toEqual(['/new/1.0.0'])
    expect(after.addresses.map((address) => address.multiaddr.toString())).toEqual(addresses)
    expect(received).toHaveLength(1)
    expect(received[0]!.listenAddrs.map(String)).toEqual(addresses)
    expect(text(after.metadata.get('AgentVersion'))).toMatch(/^weft\//)
  })

  it('rejects a push whose public key is not the pushing peer', async () => {
    const { a, b, ba } = await pair()
    const received = collect(b)
    const writes = b.peerStore.writes
    const stranger = await generateKeyPair()
    const message: IdentifyMessage = {
      publicKey: publicKeyToProtobuf(stranger.publicKey),
      listenAddrs: [],
      protocols: ['/evil/1.0.0'],
    }
    await deliverPush(b, ba, encodeIdentify(message, { lengthPrefixed: true }))
    expect(b.peerStore.writes).toBe(writes)
    expect(received).toHaveLength(0)
    expect((await b.peerStore.get(a.peerId)).protocols).not.toContain('/evil/1.0.0')
  })

  it('stop() cancels a scheduled push and leaves no timer behind', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const { a, b, serviceA } = await pair()
    const received = collect(b)
    const before = timers()
    a.events.safeDispatchEvent('self:peer:update', { detail: {} })
    expect(timers()).toBe(before + 1)
    await serviceA.stop()
    expect(timers()).toBe(before)
    await sleep(50)
    expect(received).toHaveLength(0)
  })
})

const text = (bytes?: Uint8Array): string | undefined =>
  bytes == null ? undefined : new TextDecoder().decode(bytes)
