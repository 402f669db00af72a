/**
 * mDNS on real multicast, across two network namespaces joined by a veth
 * pair (made and removed here): two weft hosts configured with nothing but
 * `mdns()` find each other and connect (their default low watermark,
 * `minConnections`, dials what they discover).
 */
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundlePeer, createVethNetwork, type PeerProcess, spawnPeer, type VethNetwork } from './netns.js'

const notRun = notRunReason(['root', 'ip'])

describe.skipIf(notRun !== '')(`mDNS across network namespaces${notRun}`, () => {
  let network: VethNetwork | undefined
  let bundle: ReturnType<typeof bundlePeer> | undefined
  const peers: PeerProcess[] = []

  beforeAll(() => {
    network = createVethNetwork()
    bundle = bundlePeer()
  })

  afterAll(async () => {
    await Promise.all(peers.map(async (peer) => peer.stop()))
    network?.remove()
    bundle?.remove()
  })

  it('two weft hosts in different namespaces discover and connect to each other with no configuration', async () => {
    const [nsA, nsB] = network!.namespaces
    const [ipA, ipB] = network!.addresses
    const a = spawnPeer(bundle!.file, nsA, ipA)
    const b = spawnPeer(bundle!.file, nsB, ipB)
    peers.push(a, b)
    const readyA = await a.waitFor((event) => event.event === 'ready')
    const readyB = await b.waitFor((event) => event.event === 'ready')
    expect(readyA.addrs?.[0]).toContain(`/ip4/${ipA}/tcp/`)
    expect(readyB.addrs?.[0]).toContain(`/ip4/${ipB}/tcp/`)
    await a.waitFor((event) => event.event === 'discovered' && event.peerId === readyB.peerId)
    await b.waitFor((event) => event.event === 'discovered' && event.peerId === readyA.peerId)
    await a.waitFor((event) => event.event === 'connected' && event.peerId === readyB.peerId)
    await b.waitFor((event) => event.event === 'connected' && event.peerId === readyA.peerId)
  })
})
