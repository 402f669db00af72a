/**
 * Control messages cost work bounded per peer and heartbeat, whatever an RPC
 * carries: IHAVE ids looked at, IWANT ids looked at, IWANT answers split into
 * RPCs a peer accepts, repeated GRAFT/PRUNE topics answered once.
 */
import type { RPC } from '@weft/pubsub'
import { describe, expect, it } from 'vitest'
import { idToBytes } from '../src/ids.js'
import { GOSSIPSUB_V12, GossipRouter, type RouterNetwork, routerOptions } from '../src/index.js'
import { defaultScoreParams, thresholds } from '../src/score-params.js'

function setup() {
  const sent: Array<{ to: string; rpc: Partial<RPC> }> = []
  const network: RouterNetwork = {
    send: (to, rpc) => {
      sent.push({ to, rpc })
      return true
    },
    sendFrame: () => true,
    topicPeers: () => ['peer'],
    isSubscribed: () => true,
    seen: () => false,
  }
  const router = new GossipRouter(network, {
    options: routerOptions({}),
    scoreParams: defaultScoreParams(),
    thresholds: thresholds(),
    now: () => 1_000_000,
    random: () => 0.5,
  })
  router.addPeer('peer', GOSSIPSUB_V12, false)
  router.mesh.set('t', new Set())
  return { router, sent }
}

const ctrl = (parts: Partial<RPC.ControlMessage>): RPC.ControlMessage => ({
  ihave: [],
  iwant: [],
  graft: [],
  prune: [],
  idontwant: [],
  ...parts,
})

const ids = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => idToBytes((offset + i).toString(16).padStart(16, '0')))

describe('gossipsub control limits', () => {
  it('looks at no more than maxIHaveLength advertised ids per peer and heartbeat', () => {
    const { router } = setup()
    const info = router.peers.get('peer')
    // one RPC with 20 IHAVEs of 1000 ids each
    const ihave = Array.from({ length: 20 }, (_, i) => ({ topicID: 't', messageIDs: ids(1000, i * 1000) }))
    router.handleControl('peer', ctrl({ ihave }))
    expect(info?.advertisedThisTick).toBe(router.options.maxIHaveLength)
    router.handleControl('peer', ctrl({ ihave }))
    expect(info?.advertisedThisTick).toBe(router.options.maxIHaveLength)
    router.heartbeat()
    expect(info?.advertisedThisTick).toBe(0)
  })

  it('looks at no more than maxIHaveLength requested ids per peer and heartbeat', () => {
    const { router } = setup()
    const info = router.peers.get('peer')
    const iwant = Array.from({ length: 10 }, (_, i) => ({ messageIDs: ids(1000, i * 1000) }))
    router.handleControl('peer', ctrl({ iwant }))
    router.handleControl('peer', ctrl({ iwant }))
    expect(info?.wantedThisTick).toBe(router.options.maxIHaveLength)
  })

  it('answers an IWANT for large messages in RPCs under 1 MiB each', () => {
    const { router, sent } = setup()
    const wanted: Array<Uint8Array<ArrayBuffer>> = []
    for (let i = 0; i < 5; i++) {
      const id = i.toString(16).padStart(16, '0')
      router.mcache.put(id, { topic: 't', data: new Uint8Array(400_000) }, 't')
      wanted.push(idToBytes(id))
    }
    router.handleControl('peer', ctrl({ iwant: [{ messageIDs: wanted }] }))
    const batches = sent.filter((s) => (s.rpc.messages?.length ?? 0) > 0)
    expect(batches.map((s) => s.rpc.messages?.length)).toEqual([2, 2, 1])
  })

  it('answers a GRAFT repeated for one topic once', () => {
    const { router, sent } = setup()
    router.setBackoff('t', 'peer', 60_000)
    router.handleControl('peer', ctrl({ graft: Array.from({ length: 1000 }, () => ({ topicID: 't' })) }))
    const prunes = sent.flatMap((s) => s.rpc.control?.prune ?? [])
    expect(prunes).toHaveLength(1)
  })
})
