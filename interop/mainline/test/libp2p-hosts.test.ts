/**
 * Issue 19, acceptance 3: two weft hosts that know only a local Mainline
 * swarm (not each other) find each other by topic and connect; a third
 * finds one of them by peer id through BEP44.
 */
import { createHost } from '@weft/host'
import { type MainlineDHT, mainline } from '@weft/mainline-dht'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { weftNode } from './peers.js'

describe('libp2p hosts over a loopback Mainline swarm', () => {
  const swarm: MainlineDHT[] = []
  const hosts: Array<Awaited<ReturnType<typeof createHost>>> = []

  async function host(topics: string[]) {
    const bootstrap = swarm.slice(0, 3).flatMap((node) => node.addresses())
    const created = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        mainline: mainline({
          topics,
          topicInterval: 500,
          dht: { host: '127.0.0.1', bootstrap, nodesPerIp: 64, refreshInterval: 0, timeout: 500 },
        }),
      },
    })
    hosts.push(created)
    return created
  }

  beforeAll(async () => {
    swarm.push(await weftNode([]))
    for (let index = 0; index < 7; index++)
      swarm.push(await weftNode(swarm.flatMap((node) => node.addresses())))
  }, 60_000)

  afterAll(async () => {
    await Promise.all(hosts.map((node) => node.stop()))
    await Promise.all(swarm.map((node) => node.stop()))
  })

  it('two hosts sharing a topic connect; a third finds one by peer id', async () => {
    const a = await host(['weft-acceptance-3'])
    const b = await host(['weft-acceptance-3'])
    await expect
      .poll(() => a.getConnections(b.peerId).length + b.getConnections(a.peerId).length, { timeout: 20_000 })
      .toBeGreaterThan(0)
    const c = await host([])
    // through the host's peer routing, which asks the mainline service (BEP44)
    const info = await c.peerRouting.findPeer(b.peerId)
    const bare = (addresses: Array<{ decapsulate(code: string): { toString(): string } }>) =>
      addresses.map((address) => address.decapsulate('/p2p').toString()).sort()
    expect(bare(info.multiaddrs)).toEqual(bare(b.getMultiaddrs()))
    await c.dial(info.multiaddrs)
    expect(c.getConnections(b.peerId).length).toBeGreaterThan(0)
  }, 60_000)
})
