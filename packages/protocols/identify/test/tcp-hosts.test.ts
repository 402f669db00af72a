/** Two weft hosts identify each other over TCP on loopback (noise, yamux). */
import type { IdentifyResult, PeerId } from '@libp2p/interface'
import { createHost } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type IdentifyService, identify } from '../src/index.js'

const hosts: Array<{ stop(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function host(init: Parameters<typeof identify>[0] = {}) {
  const created = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify({ pushDebounce: 20, ...init }) },
  })
  hosts.push(created)
  return created as typeof created & { services: { identify: IdentifyService } }
}

type Host = Awaited<ReturnType<typeof host>>

function identified(node: Host, peer: PeerId): Promise<IdentifyResult> {
  return new Promise((resolve) => {
    const listener = (evt: CustomEvent<IdentifyResult>): void => {
      if (!evt.detail.peerId.equals(peer)) return
      node.removeEventListener('peer:identify', listener)
      resolve(evt.detail)
    }
    node.addEventListener('peer:identify', listener)
  })
}

const text = (bytes?: Uint8Array): string | undefined =>
  bytes == null ? undefined : new TextDecoder().decode(bytes)

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('identify between two hosts over TCP', () => {
  it('both sides identify each other on connect and fill their peer stores', async () => {
    const a = await host()
    const b = await host({ agentVersion: 'host-b/1.0.0' })
    await b.handle('/chat/1.0.0', () => {})
    const aKnowsB = identified(a, b.peerId)
    const bKnowsA = identified(b, a.peerId)
    await a.dial(b.getMultiaddrs()[0]!)
    const [resultA, resultB] = await Promise.all([aKnowsB, bKnowsA])

    expect(resultA.agentVersion).toBe('host-b/1.0.0')
    expect(resultA.protocols).toEqual(
      expect.arrayContaining(['/chat/1.0.0', '/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0']),
    )
    const bAddress = b.getMultiaddrs()[0]!.decapsulateCode(421).toString()
    expect(resultA.listenAddrs.map(String)).toEqual([bAddress])
    expect(resultA.signedPeerRecord?.addresses.map(String)).toEqual([bAddress])
    // b saw a's ephemeral source port on loopback
    expect(resultB.observedAddr?.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    expect(resultB.agentVersion).toMatch(/^weft\//)

    const stored = await a.peerStore.get(b.peerId)
    expect(stored.protocols).toContain('/chat/1.0.0')
    expect(
      stored.addresses.some((address) => address.multiaddr.toString() === bAddress && address.isCertified),
    ).toBe(true)
    expect(text(stored.metadata.get('AgentVersion'))).toBe('host-b/1.0.0')
    expect(stored.peerRecordEnvelope).toBeInstanceOf(Uint8Array)
  })

  it('identify() on demand returns the same view', async () => {
    const a = await host({ runOnConnectionOpen: false })
    const b = await host()
    const connection = await a.dial(b.getMultiaddrs()[0]!)
    const result = await a.services.identify.identify(connection, { signal: AbortSignal.timeout(5_000) })
    expect(result.peerId.equals(b.peerId)).toBe(true)
    expect(result.connection).toBe(connection)
  })

  it('pushes a new protocol to the connected peer', async () => {
    const a = await host()
    const b = await host()
    const aKnowsB = identified(a, b.peerId)
    const bKnowsA = identified(b, a.peerId)
    await a.dial(b.getMultiaddrs()[0]!)
    await Promise.all([aKnowsB, bKnowsA])
    const pushed = identified(a, b.peerId)
    await b.handle('/late/1.0.0', () => {})
    expect((await pushed).protocols).toContain('/late/1.0.0')
    await until(async () => (await a.peerStore.get(b.peerId)).protocols.includes('/late/1.0.0'))
  })
})
