import type { RPC } from '@weft/pubsub'
import { describe, expect, it } from 'vitest'
import { idToBytes } from './ids.js'
import { GOSSIPSUB_V10, GOSSIPSUB_V11, GOSSIPSUB_V12, routerOptions } from './options.js'
import { GossipRouter } from './router.js'
import type { RouterNetwork } from './router-state.js'
import { defaultScoreParams, thresholds } from './score-params.js'

/** A fake network: records what the router sends; time moves only when the test says. */
function setup(init: { peers?: number; outbound?: (i: number) => boolean; protocol?: string } = {}) {
  let now = 1_000_000
  const sent: Array<{ to: string; rpc: Partial<RPC> }> = []
  const frames: Array<{ to: string; frame: Uint8Array }> = []
  const topicPeers = new Map<string, Set<string>>()
  const seen = new Set<string>()
  const subscribed = new Set<string>()
  const network: RouterNetwork = {
    send: (to, rpc) => {
      sent.push({ to, rpc })
      return true
    },
    sendFrame: (to, frame) => {
      frames.push({ to, frame })
      return true
    },
    topicPeers: (topic) => topicPeers.get(topic) ?? [],
    isSubscribed: (topic) => subscribed.has(topic),
    seen: (id) => seen.has(id),
  }
  let seed = 1
  const router = new GossipRouter(network, {
    options: routerOptions({}),
    scoreParams: defaultScoreParams(),
    thresholds: thresholds(),
    now: () => now,
    random: () => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647
    },
  })
  const peers: string[] = []
  for (let i = 0; i < (init.peers ?? 0); i++) {
    const key = `peer-${i}`
    peers.push(key)
    router.addPeer(key, init.protocol ?? GOSSIPSUB_V12, init.outbound?.(i) ?? false)
  }
  const subscribe = (topic: string, keys: string[]): void => {
    const set = topicPeers.get(topic) ?? new Set()
    for (const key of keys) set.add(key)
    topicPeers.set(topic, set)
  }
  const controls = (kind: keyof RPC.ControlMessage, to?: string) =>
    sent.filter((s) => (to == null || s.to === to) && (s.rpc.control?.[kind].length ?? 0) > 0)
  return {
    router,
    peers,
    sent,
    frames,
    seen,
    subscribed,
    subscribe,
    controls,
    advance: (ms: number) => {
      now += ms
    },
  }
}

const ctrl = (parts: Partial<RPC.ControlMessage>): RPC.ControlMessage => ({
  ihave: [],
  iwant: [],
  graft: [],
  prune: [],
  idontwant: [],
  ...parts,
})

describe('GossipRouter mesh maintenance', () => {
  it('joins with D peers and grafts them', () => {
    const t = setup({ peers: 10 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    expect(t.router.mesh.get('t')?.size).toBe(6)
    expect(t.controls('graft').length).toBe(6)
  })

  it('heartbeat fills a mesh below Dlo up to D and prunes one above Dhi down to D', () => {
    const t = setup({ peers: 20 })
    t.router.join('t') // nobody subscribed yet: empty mesh
    expect(t.router.mesh.get('t')?.size).toBe(0)
    t.subscribe('t', t.peers)
    t.router.heartbeat()
    expect(t.router.mesh.get('t')?.size).toBe(6)
    // 10 more peers graft themselves in: 16 > Dhi
    for (const key of t.peers.filter((k) => !t.router.mesh.get('t')!.has(k)).slice(0, 10)) {
      t.router.handleControl(key, ctrl({ graft: [{ topicID: 't' }] }))
    }
    expect(t.router.mesh.get('t')?.size).toBe(12) // the rest were refused: mesh is at Dhi
    t.router.handleControl(
      t.peers.find((k) => !t.router.mesh.get('t')!.has(k))!,
      ctrl({ graft: [{ topicID: 't' }] }),
    )
    expect(t.router.mesh.get('t')?.size).toBe(12)
    // a GRAFT during the backoff that refusal set: penalised
    expect(t.router.score.score(t.controls('prune')[0].to)).toBeLessThan(0)
    t.sent.length = 0
    // push the mesh over Dhi with a peer in good standing
    const extra = t.peers.find((k) => !t.router.mesh.get('t')!.has(k) && t.router.score.score(k) === 0)!
    t.router.mesh.get('t')!.add(extra)
    t.router.heartbeat()
    expect(t.router.mesh.get('t')?.size).toBe(6)
    expect(t.controls('prune').length).toBe(7)
  })

  it('keeps Dout outbound peers in the mesh when pruning', () => {
    const t = setup({ peers: 16, outbound: (i) => i >= 13 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    for (const key of t.peers.slice(0, 13)) t.router.mesh.get('t')!.add(key)
    for (const key of t.peers.slice(13)) t.router.mesh.get('t')!.delete(key)
    t.router.mesh.get('t')!.add(t.peers[13])
    t.router.mesh.get('t')!.add(t.peers[14])
    t.router.heartbeat()
    const mesh = [...t.router.mesh.get('t')!]
    expect(mesh.length).toBe(6)
    expect(mesh.filter((k) => t.router.peers.get(k)!.outbound).length).toBeGreaterThanOrEqual(2)
  })

  it('grafts outbound peers when the mesh lacks Dout of them', () => {
    const t = setup({ peers: 10, outbound: (i) => i >= 8 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    const mesh = t.router.mesh.get('t')!
    mesh.clear()
    for (const key of t.peers.slice(0, 5)) mesh.add(key)
    t.router.heartbeat()
    expect(mesh.has('peer-8') && mesh.has('peer-9')).toBe(true)
  })

  it('answers GRAFT during backoff with PRUNE and a behaviour penalty', () => {
    const t = setup({ peers: 2 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    t.router.handleControl('peer-0', ctrl({ prune: [{ topicID: 't', peers: [], backoff: 60 }] }))
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(false)
    // we must not graft it back during the backoff
    t.router.heartbeat()
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(false)
    t.router.leave('t')
    t.router.join('t')
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(false)
    // it grafts us during its own backoff: refused and penalised (twice: within the flood threshold)
    t.router.setBackoff('t', 'peer-1', 60_000)
    t.router.mesh.get('t')!.delete('peer-1')
    t.router.handleControl('peer-1', ctrl({ graft: [{ topicID: 't' }] }))
    expect(t.router.mesh.get('t')!.has('peer-1')).toBe(false)
    expect(t.controls('prune', 'peer-1').length).toBeGreaterThan(0)
    expect(t.router.score.score('peer-1')).toBe(-40)
    // after the backoff (and a heartbeat of slack) it may join again
    t.advance(61_000 + 1000)
    t.router.heartbeat()
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(true)
  })

  it('ignores PRUNE for topics without a mesh (no state grows)', () => {
    const t = setup({ peers: 1 })
    for (let i = 0; i < 100; i++)
      t.router.handleControl('peer-0', ctrl({ prune: [{ topicID: `junk-${i}`, peers: [] }] }))
    expect(t.router.backoff.size).toBe(0)
  })

  it('sends PRUNE with backoff only to v1.1+ peers, and PX when enabled', () => {
    const t = setup({ peers: 3, protocol: GOSSIPSUB_V10 })
    t.router.setProtocol('peer-2', GOSSIPSUB_V11)
    expect(t.router.makePrune('peer-0', 't', true, 60_000).backoff).toBeUndefined()
    expect(t.router.makePrune('peer-2', 't', true, 60_000).backoff).toBe(60)
  })

  it('expires fanout topics after fanoutTTL', () => {
    const t = setup({ peers: 8 })
    t.subscribe('t', t.peers)
    const router = new GossipRouter(t.router.network, {
      options: routerOptions({ floodPublish: false }),
      scoreParams: defaultScoreParams(),
      thresholds: thresholds(),
      now: () => 0,
    })
    for (const key of t.peers) router.addPeer(key, GOSSIPSUB_V12, false)
    const recipients = router.publish('aa', { topic: 't', data: Uint8Array.of(1) }, 't', Uint8Array.of(1))
    expect(recipients.length).toBe(6)
    expect(router.fanout.get('t')?.size).toBe(6)
    t.router.fanout.set('t', new Set(t.peers.slice(0, 2)))
    t.router.fanoutLastPublished.set('t', 1_000_000)
    t.router.heartbeat()
    expect(t.router.fanout.get('t')?.size).toBe(6) // topped up to D
    t.advance(60_001)
    t.router.heartbeat()
    expect(t.router.fanout.has('t')).toBe(false)
  })
})

describe('GossipRouter gossip', () => {
  it('emits IHAVE for cached messages to non-mesh peers and answers IWANT from the cache', () => {
    const t = setup({ peers: 12 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    t.router.forward(
      'abcd',
      { topic: 't', data: Uint8Array.of(7) },
      't',
      'peer-0',
      undefined,
      Uint8Array.of(0),
    )
    t.sent.length = 0
    t.router.heartbeat()
    const ihave = t.controls('ihave')
    expect(ihave.length).toBe(6) // Dlazy of the 6 non-mesh peers
    for (const { to } of ihave) expect(t.router.mesh.get('t')!.has(to)).toBe(false)
    t.sent.length = 0
    t.router.handleControl('peer-5', ctrl({ iwant: [{ messageIDs: [idToBytes('abcd')] }] }))
    expect(t.sent[0].rpc.messages?.[0].data).toEqual(Uint8Array.of(7))
    // at most gossipRetransmission (3) times per peer
    for (let i = 0; i < 5; i++)
      t.router.handleControl('peer-5', ctrl({ iwant: [{ messageIDs: [idToBytes('abcd')] }] }))
    expect(t.sent.length).toBe(3)
  })

  it('asks for unseen ids in IHAVE, and penalises a peer that breaks its promise', () => {
    const t = setup({ peers: 2 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    t.seen.add('0001')
    t.router.handleControl(
      'peer-0',
      ctrl({ ihave: [{ topicID: 't', messageIDs: [idToBytes('0001'), idToBytes('0002')] }] }),
    )
    const iwant = t.controls('iwant', 'peer-0')
    expect(iwant[0].rpc.control?.iwant[0].messageIDs).toEqual([idToBytes('0002')])
    t.advance(3001)
    t.router.heartbeat()
    expect(t.router.score.score('peer-0')).toBe(-10)
  })

  it('limits IHAVE handling per heartbeat', () => {
    const t = setup({ peers: 1 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    for (let i = 0; i < 15; i++) {
      t.router.handleControl(
        'peer-0',
        ctrl({ ihave: [{ topicID: 't', messageIDs: [idToBytes(`00${i.toString(16).padStart(2, '0')}`)] }] }),
      )
    }
    expect(t.controls('iwant').length).toBe(10)
  })

  it('skips peers that sent IDONTWANT when forwarding, and sends IDONTWANT for large messages', () => {
    const t = setup({ peers: 4 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    t.router.handleControl('peer-1', ctrl({ idontwant: [{ messageIDs: [idToBytes('beef')] }] }))
    t.router.onFirstSeen('beef', 't', 'peer-0', 1000)
    expect(
      t
        .controls('idontwant')
        .map((s) => s.to)
        .sort(),
    ).toEqual(['peer-1', 'peer-2', 'peer-3'])
    t.router.forward(
      'beef',
      { topic: 't', data: new Uint8Array(1000) },
      't',
      'peer-0',
      'peer-3',
      Uint8Array.of(1),
    )
    // not back to the sender, not to the author, not to peer-1 (IDONTWANT)
    expect(t.frames.map((f) => f.to)).toEqual(['peer-2'])
  })
})

describe('GossipRouter scoring', () => {
  it('graylists a peer that keeps sending invalid messages and prunes it at the heartbeat', () => {
    const t = setup({ peers: 5 })
    t.subscribe('t', t.peers)
    t.router.join('t')
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(true)
    for (let i = 0; i < 3; i++) t.router.onRejected('peer-0', 't')
    expect(t.router.acceptFrom('peer-0')).toBe(false)
    t.router.heartbeat()
    expect(t.router.mesh.get('t')!.has('peer-0')).toBe(false)
    // decay brings it back after a while
    for (let i = 0; i < 10; i++) {
      t.advance(1000)
      t.router.heartbeat()
    }
    expect(t.router.acceptFrom('peer-0')).toBe(true)
  })
})
