/** The README's example on real loopback UDP, and stop() leaving nothing behind. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { mainlineDHT } from '../src/index.js'

function handles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'UDPWrap').length
}

describe('the README example over node:dgram', () => {
  it('announces from one node and finds the peer from the other', async () => {
    const before = handles()
    const a = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16 })
    await a.start()
    const b = mainlineDHT({ host: '127.0.0.1', nodesPerIp: 16, bootstrap: a.addresses() })
    await b.start()

    const infohash = createHash('sha1').update('my torrent').digest()
    expect((await b.announce(infohash, { port: 6881 })).announced).toBe(1)
    const { peers } = await a.getPeers(infohash)
    expect(peers).toEqual([{ host: '127.0.0.1', port: 6881 }])

    await Promise.all([a.stop(), b.stop()])
    // Node releases a closed UDP handle a few turns after close()'s callback
    for (let turn = 0; turn < 20 && handles() > before; turn++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(handles()).toBeLessThanOrEqual(before)
  })

  it('runs on IPv4 and IPv6 at once (BEP32)', async () => {
    const a = mainlineDHT({ host: '127.0.0.1', host6: '::1', nodesPerIp: 16 })
    await a.start()
    const b = mainlineDHT({ host: '127.0.0.1', host6: '::1', nodesPerIp: 16 })
    await b.start()
    try {
      const [a4, a6] = a.addresses()
      await b.bootstrap([a4 as never, a6 as never])
      const result = await b.findNode(b.id)
      expect(result.closest.map((node) => node.host).sort()).toEqual(['127.0.0.1'])
      const reply = await b.query(a6 as never, 'find_node', { target: b.id, want: ['n4', 'n6'] })
      expect(reply.values.nodes6).toBeInstanceOf(Uint8Array)
      expect(reply.values.nodes).toBeInstanceOf(Uint8Array)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
