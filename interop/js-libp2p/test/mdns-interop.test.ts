/**
 * mDNS interop with js-libp2p's `@libp2p/mdns` 12 on real multicast, each
 * host in its own network namespace (a veth pair made and removed here): the
 * weft host and the js-libp2p node each discover the other, and the weft host
 * (whose low watermark dials discovered peers) connects to the js node. Then
 * the other way round: weft's mdns module running inside js-libp2p.
 */
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { bundlePeer, createVethNetwork, type PeerProcess, spawnPeer, type VethNetwork } from './mdns-netns.js'

const notRun = notRunReason(['root', 'ip'])

describe.skipIf(notRun !== '')(`mDNS interop (weft ⇄ js-libp2p @libp2p/mdns)${notRun}`, () => {
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

  it('weft and js-libp2p discover each other and connect', async () => {
    const [nsA, nsB] = network!.namespaces
    const [ipA, ipB] = network!.addresses
    const weft = spawnPeer(bundle!.file, nsA, 'weft', ipA)
    const js = spawnPeer(bundle!.file, nsB, 'js', ipB)
    peers.push(weft, js)
    const weftReady = await weft.waitFor((event) => event.event === 'ready')
    const jsReady = await js.waitFor((event) => event.event === 'ready')
    await weft.waitFor((event) => event.event === 'discovered' && event.peerId === jsReady.peerId)
    await js.waitFor((event) => event.event === 'discovered' && event.peerId === weftReady.peerId)
    await weft.waitFor((event) => event.event === 'connected' && event.peerId === jsReady.peerId)
    await js.waitFor((event) => event.event === 'connected' && event.peerId === weftReady.peerId)
    await Promise.all([weft.stop(), js.stop()])
  })

  it("weft's mdns module works inside a js-libp2p node", async () => {
    const [nsA, nsB] = network!.namespaces
    const [ipA, ipB] = network!.addresses
    const weft = spawnPeer(bundle!.file, nsA, 'weft', ipA)
    const js = spawnPeer(bundle!.file, nsB, 'js-weft-mdns', ipB)
    peers.push(weft, js)
    const weftReady = await weft.waitFor((event) => event.event === 'ready')
    const jsReady = await js.waitFor((event) => event.event === 'ready')
    await js.waitFor((event) => event.event === 'discovered' && event.peerId === weftReady.peerId)
    await weft.waitFor((event) => event.event === 'discovered' && event.peerId === jsReady.peerId)
    await weft.waitFor((event) => event.event === 'connected' && event.peerId === jsReady.peerId)
  })
})
