/**
 * One gossipsub heartbeat (gossipsub-v1.0.md "Heartbeat", gossipsub-v1.1.md
 * "Heartbeat Maintenance", "Outbound Mesh Quotas", "Opportunistic Grafting"):
 * decay scores, settle broken IWANT promises, keep every mesh between Dlo and
 * Dhi with Dout outbound peers, refresh fanout, emit IHAVE gossip, then send
 * the GRAFT/PRUNE/IHAVE of each peer in one RPC and shift the message cache.
 */
import type { RPC } from '@weft/pubsub'
import { control } from './control.js'
import { idToBytes, shuffle } from './ids.js'
import type { RouterState } from './router-state.js'

interface Outgoing {
  graft: RPC.ControlGraft[]
  prune: RPC.ControlPrune[]
  ihave: RPC.ControlIHave[]
}

export function runHeartbeat(router: RouterState): void {
  const { options, score, thresholds } = router
  router.ticks++
  const now = router.now()
  score.refresh()
  const scores = new Map<string, number>()
  const scoreOf = (key: string): number => {
    let s = scores.get(key)
    if (s == null) {
      s = score.score(key)
      scores.set(key, s)
    }
    return s
  }

  settlePromises(router, now)
  for (const info of router.peers.values()) {
    info.ihaveThisTick = 0
    info.advertisedThisTick = 0
    info.askedThisTick = 0
    info.wantedThisTick = 0
    info.idontwantThisTick = 0
    for (const [id, tick] of info.dontSend) {
      if (router.ticks - tick < options.idontwantTicks) break
      info.dontSend.delete(id)
    }
  }
  for (const [topic, map] of router.backoff) {
    // one heartbeat of slack, as the spec suggests for clock skew
    for (const [key, until] of map) if (until + options.heartbeatInterval < now) map.delete(key)
    if (map.size === 0) router.backoff.delete(topic)
  }

  const outgoing = new Map<string, Outgoing>()
  const out = (key: string): Outgoing => {
    let o = outgoing.get(key)
    if (o == null) {
      o = { graft: [], prune: [], ihave: [] }
      outgoing.set(key, o)
    }
    return o
  }
  const graft = (topic: string, mesh: Set<string>, key: string): void => {
    mesh.add(key)
    score.graft(key, topic)
    out(key).graft.push({ topicID: topic })
    router.network.onGraft?.(key, topic)
  }
  const prune = (topic: string, mesh: Set<string>, key: string, px: boolean): void => {
    mesh.delete(key)
    score.prune(key, topic)
    out(key).prune.push(router.makePrune(key, topic, px, options.pruneBackoff))
    router.network.onPrune?.(key, topic)
  }
  const notInMesh = (mesh: Set<string>) => (key: string) => !mesh.has(key)

  for (const [topic, mesh] of router.mesh) {
    for (const key of [...mesh]) if (scoreOf(key) < 0) prune(topic, mesh, key, false)

    if (mesh.size < options.Dlo) {
      for (const key of router.candidates(topic, mesh, (k) => scoreOf(k) >= 0, options.D - mesh.size)) {
        graft(topic, mesh, key)
      }
    }

    if (mesh.size > options.Dhi) {
      // keep the Dscore best, fill to D at random, then make sure Dout of them are outbound
      const byScore = shuffle([...mesh], router.random).sort((a, b) => scoreOf(b) - scoreOf(a))
      const kept = byScore.slice(0, options.Dscore)
      const remaining = shuffle(byScore.slice(options.Dscore), router.random)
      kept.push(...remaining.splice(0, options.D - kept.length))
      const isOutbound = (k: string): boolean => router.peers.get(k)?.outbound === true
      let rest = remaining
      const outbound = kept.filter(isOutbound).length
      if (outbound < options.Dout) {
        const swapIn = rest.filter(isOutbound).slice(0, options.Dout - outbound)
        const swapOut: string[] = []
        for (let j = kept.length - 1; j >= 0 && swapOut.length < swapIn.length; j--) {
          if (!isOutbound(kept[j])) swapOut.push(...kept.splice(j, 1))
        }
        kept.push(...swapIn.slice(0, swapOut.length))
        const keep = new Set(kept)
        rest = rest.filter((k) => !keep.has(k)).concat(swapOut)
      }
      for (const key of rest) prune(topic, mesh, key, options.doPX)
    }

    if (mesh.size >= options.Dlo) {
      const outbound = [...mesh].filter((k) => router.peers.get(k)?.outbound === true).length
      if (outbound < options.Dout) {
        const wanted = options.Dout - outbound
        const filter = (k: string): boolean => router.peers.get(k)?.outbound === true && scoreOf(k) >= 0
        for (const key of router.candidates(topic, mesh, filter, wanted)) graft(topic, mesh, key)
      }
    }

    if (router.ticks % options.opportunisticGraftTicks === 0 && mesh.size > 1) {
      const sorted = [...mesh].map(scoreOf).sort((a, b) => a - b)
      const median = sorted[sorted.length >> 1]
      if (median < thresholds.opportunisticGraftThreshold) {
        const filter = (k: string): boolean => scoreOf(k) > median
        for (const key of router.candidates(topic, mesh, filter, options.opportunisticGraftPeers))
          graft(topic, mesh, key)
      }
    }

    emitGossip(router, topic, mesh, scoreOf, out)
  }

  for (const [topic, last] of router.fanoutLastPublished) {
    if (last + options.fanoutTTL < now) {
      router.fanout.delete(topic)
      router.fanoutLastPublished.delete(topic)
    }
  }
  for (const [topic, peers] of router.fanout) {
    const subscribed = new Set(router.network.topicPeers(topic))
    for (const key of [...peers]) {
      if (!subscribed.has(key) || scoreOf(key) < thresholds.publishThreshold) peers.delete(key)
    }
    if (peers.size < options.D) {
      const filter = (k: string): boolean => scoreOf(k) >= thresholds.publishThreshold && notInMesh(peers)(k)
      for (const key of router.candidates(topic, peers, filter, options.D - peers.size)) peers.add(key)
    }
    emitGossip(router, topic, peers, scoreOf, out)
  }

  for (const [key, o] of outgoing) {
    router.network.send(key, { control: control({ graft: o.graft, prune: o.prune, ihave: o.ihave }) })
  }
  router.mcache.shift()
}

function emitGossip(
  router: RouterState,
  topic: string,
  exclude: Set<string>,
  scoreOf: (key: string) => number,
  out: (key: string) => Outgoing,
): void {
  const ids = router.mcache.getGossipIds(topic)
  if (ids.length === 0) return
  const { options, thresholds } = router
  const eligible = router.candidates(
    topic,
    exclude,
    (k) => scoreOf(k) >= thresholds.gossipThreshold,
    Number.MAX_SAFE_INTEGER,
    true,
  )
  const target = Math.max(options.Dlazy, Math.floor(eligible.length * options.gossipFactor))
  const chosen = eligible.slice(0, target)
  for (const key of chosen) {
    const list =
      ids.length > options.maxIHaveLength
        ? shuffle(ids.slice(), router.random).slice(0, options.maxIHaveLength)
        : ids
    out(key).ihave.push({ topicID: topic, messageIDs: list.map(idToBytes) })
  }
}

function settlePromises(router: RouterState, now: number): void {
  const broken = new Map<string, number>()
  for (const [id, peers] of router.promises) {
    for (const [key, deadline] of peers) {
      if (deadline >= now) continue
      peers.delete(key)
      broken.set(key, (broken.get(key) ?? 0) + 1)
    }
    if (peers.size === 0) router.promises.delete(id)
  }
  for (const [key, count] of broken) router.score.addPenalty(key, count)
}
