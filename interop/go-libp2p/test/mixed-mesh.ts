/**
 * One gossipsub network of three weft hosts (in-process) and three go-libp2p
 * hosts (`go-peer agent`) on TCP loopback: a ring that alternates the stacks
 * (w0 g0 w1 g1 w2 g2) plus two chords (w0 → g1, g0 → w2), every host
 * subscribed to one topic. It counts what each host receives per body, so
 * tests can check exactly-once delivery, and reads go's loss counters.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { GoAgent, type PubSubStats, type ReceivedMessage, type StartOptions } from './agent.js'
import { type PubSubHost, waitUntil, weftPubSubHost } from './weft-nodes.js'

export type { PubSubStats }

export interface WeftMember {
  kind: 'weft'
  host: PubSubHost
  name: string
  /** body → times received */
  counts: Map<string, number>
}

export interface GoMember {
  kind: 'go'
  agent: GoAgent
  name: string
}

export type Member = WeftMember | GoMember

/** What go's tracer counted between `before` and `after`. */
export function since(before: PubSubStats, after: PubSubStats): PubSubStats {
  const rejected: Record<string, number> = {}
  for (const [reason, n] of Object.entries(after.rejected)) {
    const delta = n - (before.rejected[reason] ?? 0)
    if (delta > 0) rejected[reason] = delta
  }
  return {
    validated: after.validated - before.validated,
    delivered: after.delivered - before.delivered,
    duplicates: after.duplicates - before.duplicates,
    rejected,
    droppedRpcs: after.droppedRpcs - before.droppedRpcs,
    undeliverable: after.undeliverable - before.undeliverable,
  }
}

export class MixedMesh {
  private constructor(
    readonly topic: string,
    readonly members: Member[],
  ) {}

  static async create(topic: string, goPubSub: NonNullable<StartOptions['pubsub']>): Promise<MixedMesh> {
    const members: Member[] = []
    const mesh = new MixedMesh(topic, members)
    try {
      const wefts = await Promise.all([0, 1, 2].map(() => weftPubSubHost()))
      const gos = await Promise.allSettled(
        [0, 1, 2].map((i) => GoAgent.start(`g${i}`, { pubsub: { heartbeatMs: 200, ...goPubSub } })),
      )
      for (let i = 0; i < 3; i++) {
        members.push({ kind: 'weft', host: wefts[i]!, name: `w${i}`, counts: new Map() })
        const go = gos[i]!
        if (go.status === 'fulfilled') members.push({ kind: 'go', agent: go.value, name: `g${i}` })
      }
      const failed = gos.find((go) => go.status === 'rejected')
      if (failed != null) throw failed.reason
      for (let i = 0; i < members.length; i++)
        await mesh.dial(members[i]!, members[(i + 1) % members.length]!)
      await mesh.dial(members[0]!, members[3]!)
      await mesh.dial(members[1]!, members[4]!)
      for (const member of members) {
        if (member.kind === 'go') {
          await member.agent.request('subscribe', { topic })
          continue
        }
        member.host.services.pubsub.addEventListener('message', (evt) => {
          const detail = (evt as CustomEvent<{ topic: string; data: Uint8Array }>).detail
          if (detail.topic !== topic) return
          const body = new TextDecoder().decode(detail.data)
          member.counts.set(body, (member.counts.get(body) ?? 0) + 1)
        })
        member.host.services.pubsub.subscribe(topic)
      }
    } catch (err) {
      await mesh.stop()
      throw err
    }
    return mesh
  }

  goMembers(): GoMember[] {
    return this.members.filter((member): member is GoMember => member.kind === 'go')
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (member) => (member.kind === 'weft' ? member.host.stop() : member.agent.stop())),
    )
  }

  /** Waits until every host sees two subscribed neighbours and has a mesh peer of the other stack. */
  async waitForCrossStackMesh(ms: number): Promise<void> {
    const weftIds = this.members.filter((m) => m.kind === 'weft').map(peerIdOf)
    const goIds = this.goMembers().map(peerIdOf)
    const spans = async (member: Member): Promise<boolean> => {
      if (member.kind === 'weft') {
        const pubsub = member.host.services.pubsub
        return (
          pubsub.getSubscribers(this.topic).length >= 2 &&
          pubsub.getMeshPeers(this.topic).some((id) => goIds.includes(id))
        )
      }
      const peers = await member.agent.request<{ subscribers: string[]; mesh: string[] }>('topic-peers', {
        topic: this.topic,
      })
      return peers.subscribers.length >= 2 && peers.mesh.some((id) => weftIds.includes(id))
    }
    await waitUntil(
      async () => (await Promise.all(this.members.map(spans))).every(Boolean),
      ms,
      'every host subscribed-to by its neighbours and meshed with the other stack',
    )
  }

  async publish(member: Member, body: string): Promise<void> {
    if (member.kind === 'weft')
      await member.host.services.pubsub.publish(this.topic, new TextEncoder().encode(body))
    else await member.agent.request('publish', { topic: this.topic, data: body })
  }

  /** w0 publishes `bodies` back to back, each as soon as the last publish resolved; returns the ms taken. */
  async burstFromWeft(bodies: string[]): Promise<number> {
    const start = performance.now()
    for (const body of bodies) await this.publish(this.members[0]!, body)
    return Math.round(performance.now() - start)
  }

  /** `member` publishes `<prefix>0` … `<prefix>count-1` back to back inside go; returns go's ms. */
  async burstFromGo(member: GoMember, prefix: string, count: number): Promise<number> {
    const { ms } = await member.agent.request<{ ms: number }>(
      'publish-burst',
      { topic: this.topic, prefix, count },
      60_000,
    )
    return Math.round(ms)
  }

  /** How many times each body reached `member` from another host. */
  async countsAt(member: Member): Promise<Map<string, number>> {
    if (member.kind === 'weft') return member.counts
    const { messages } = await member.agent.request<{ messages: ReceivedMessage[] }>('received', {
      topic: this.topic,
    })
    const counts = new Map<string, number>()
    for (const message of messages) {
      if (!message.local) counts.set(message.data, (counts.get(message.data) ?? 0) + 1)
    }
    return counts
  }

  /** Per go host (except `publisher`, which gets an empty list), the bodies it has not received exactly once. */
  async missingAtGo(bodies: string[], publisher?: GoMember): Promise<string[][]> {
    return Promise.all(
      this.goMembers().map(async (member) => {
        if (member === publisher) return []
        const counts = await this.countsAt(member)
        return bodies.filter((body) => counts.get(body) !== 1)
      }),
    )
  }

  async goStats(): Promise<PubSubStats[]> {
    return Promise.all(this.goMembers().map(async (g) => g.agent.request<PubSubStats>('pubsub-stats')))
  }

  /** Waits until `done` holds or `ms` pass, then half a second more so a late duplicate shows up. */
  async settle(done: () => Promise<boolean>, ms: number): Promise<void> {
    await waitUntil(done, ms, 'delivery').catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 500))
  }

  private async dial(from: Member, to: Member): Promise<void> {
    const address = to.kind === 'weft' ? to.host.getMultiaddrs()[0]!.toString() : to.agent.address
    if (from.kind === 'weft') await from.host.dial(multiaddr(address))
    else await from.agent.request('connect', { addr: address })
  }
}

function peerIdOf(member: Member): string {
  return member.kind === 'weft' ? member.host.peerId.toString() : member.agent.peerId
}
