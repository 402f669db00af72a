/**
 * Handlers for received control messages (gossipsub-v1.0.md "Control
 * Messages", gossipsub-v1.1.md "PRUNE Backoff and Peer Exchange", "Flood
 * Protection", "Promise tracking", gossipsub-v1.2.md "IDONTWANT Message"):
 * pure functions over the router state; what they return is the answer the
 * router sends back.
 */
import type { RPC } from '@weft/pubsub'
import { idToBytes, idToString, shuffle } from './ids.js'
import type { RouterState } from './router-state.js'

export function handleIHave(
  router: RouterState,
  from: string,
  ihave: RPC.ControlIHave[],
): RPC.ControlIWant[] {
  if (ihave.length === 0 || router.score.score(from) < router.thresholds.gossipThreshold) return []
  const info = router.peers.get(from)
  if (info == null) return []
  info.ihaveThisTick++
  if (
    info.ihaveThisTick > router.options.maxIHaveMessages ||
    info.askedThisTick >= router.options.maxIHaveLength
  )
    return []
  // at most maxIHaveLength advertised ids are looked at per peer and heartbeat, however many RPCs carry
  const wanted = new Set<string>()
  outer: for (const { topicID, messageIDs } of ihave) {
    if (topicID == null || !router.mesh.has(topicID)) continue
    for (const bytes of messageIDs) {
      if (info.advertisedThisTick >= router.options.maxIHaveLength) break outer
      info.advertisedThisTick++
      const id = idToString(bytes)
      if (!router.network.seen(id) && !router.promises.has(id)) wanted.add(id)
    }
  }
  if (wanted.size === 0) return []
  const budget = router.options.maxIHaveLength - info.askedThisTick
  const ids = shuffle([...wanted], router.random).slice(0, budget)
  info.askedThisTick += ids.length
  // one promise per IWANT, on a random id (gossipsub-v1.1.md "Promise tracking")
  if (router.promises.size < router.options.maxIWantPromises) {
    const id = ids[Math.floor(router.random() * ids.length)]
    const promise = new Map<string, number>()
    promise.set(from, router.now() + router.options.iwantFollowupTime)
    router.promises.set(id, promise)
  }
  return [{ messageIDs: ids.map(idToBytes) }]
}

export function handleIWant(router: RouterState, from: string, iwant: RPC.ControlIWant[]): RPC.Message[] {
  if (iwant.length === 0 || router.score.score(from) < router.thresholds.gossipThreshold) return []
  const info = router.peers.get(from)
  if (info == null) return []
  const out: RPC.Message[] = []
  // at most maxIHaveLength requested ids are looked at per peer and heartbeat (we never ask for more)
  for (const { messageIDs } of iwant) {
    for (const bytes of messageIDs) {
      if (info.wantedThisTick >= router.options.maxIHaveLength) return out
      info.wantedThisTick++
      const hit = router.mcache.getForPeer(idToString(bytes), from)
      if (hit != null && hit.count <= router.options.gossipRetransmission) out.push(hit.message)
    }
  }
  return out
}

export function handleGraft(
  router: RouterState,
  from: string,
  graft: RPC.ControlGraft[],
): RPC.ControlPrune[] {
  const prune: RPC.ControlPrune[] = []
  const score = router.score.score(from)
  const now = router.now()
  // one answer per topic, however often an RPC repeats it
  const done = new Set<string>()
  for (const { topicID: topic } of graft) {
    if (topic == null || done.has(topic)) continue
    done.add(topic)
    const mesh = router.mesh.get(topic)
    if (mesh == null) continue // not subscribed: spec lets us ignore it
    if (mesh.has(from)) continue
    const backoffUntil = router.backoff.get(topic)?.get(from)
    if (backoffUntil != null && backoffUntil > now) {
      // GRAFT during backoff: P7 penalty, twice if very early (gossipsub-v1.1.md "Flood Protection")
      router.score.addPenalty(from, 1)
      if (backoffUntil - router.options.pruneBackoff + router.options.graftFloodThreshold > now)
        router.score.addPenalty(from, 1)
      router.setBackoff(topic, from, router.options.pruneBackoff)
      prune.push(router.makePrune(from, topic, false, router.options.pruneBackoff))
      continue
    }
    if (score < 0) {
      prune.push(router.makePrune(from, topic, false, router.options.pruneBackoff))
      continue
    }
    if (mesh.size >= router.options.Dhi && router.peers.get(from)?.outbound !== true) {
      prune.push(router.makePrune(from, topic, router.options.doPX, router.options.pruneBackoff))
      continue
    }
    mesh.add(from)
    router.score.graft(from, topic)
    router.network.onGraft?.(from, topic)
  }
  return prune
}

export function handlePrune(router: RouterState, from: string, prune: RPC.ControlPrune[]): void {
  const done = new Set<string>()
  for (const { topicID: topic, backoff, peers } of prune) {
    // backoffs only for topics we have a mesh for: a PRUNE cannot grow our maps
    if (topic == null || !router.mesh.has(topic) || done.has(topic)) continue
    done.add(topic)
    if (router.mesh.get(topic)?.delete(from) === true) {
      router.score.prune(from, topic)
      router.network.onPrune?.(from, topic)
    }
    const seconds = backoff != null && backoff > 0 ? Math.min(backoff, 3600) : undefined
    router.setBackoff(topic, from, seconds != null ? seconds * 1000 : router.options.pruneBackoff)
    if (
      router.options.doPX &&
      peers.length > 0 &&
      router.score.score(from) >= router.thresholds.acceptPXThreshold
    ) {
      for (const info of peers.slice(0, router.options.maxPXDials)) {
        if (info.peerID != null) router.network.dial?.(info.peerID)
      }
    }
  }
}

export function handleIDontWant(router: RouterState, from: string, idontwant: RPC.ControlIDontWant[]): void {
  const info = router.peers.get(from)
  if (info == null || idontwant.length === 0) return
  for (const { messageIDs } of idontwant) {
    for (const bytes of messageIDs) {
      if (info.idontwantThisTick >= router.options.idontwantMaxMessages) return
      info.idontwantThisTick++
      info.dontSend.set(idToString(bytes), router.ticks)
    }
  }
}

/** A control message with every list present (empty ones included), as the codec expects. */
export function control(parts: Partial<RPC.ControlMessage>): RPC.ControlMessage {
  return {
    ihave: parts.ihave ?? [],
    iwant: parts.iwant ?? [],
    graft: parts.graft ?? [],
    prune: parts.prune ?? [],
    idontwant: parts.idontwant ?? [],
  }
}
