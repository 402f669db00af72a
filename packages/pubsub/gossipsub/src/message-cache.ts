/**
 * The message cache (gossipsub-v1.0.md "Message Cache"): messages seen in the
 * last `historyLength` heartbeats, for answering IWANT; ids from the last
 * `gossipLength` of them are what IHAVE advertises. `shift()` runs once per
 * heartbeat. Bounded by `maxMessages` in total (the oldest window gives way)
 * and by how often one peer may ask for the same message.
 */
import type { RPC } from '@weft/pubsub'
import { DEFAULT_ROUTER_OPTIONS } from './options.js'

interface Entry {
  message: RPC.Message
  topic: string
  /** times each peer asked for it with IWANT */
  iwantCounts: Map<string, number>
}

export interface MessageCacheInit {
  /** heartbeats a message stays retrievable (default 5) */
  historyLength?: number
  /** heartbeats whose ids are gossiped (default 3) */
  gossipLength?: number
  /** messages held at most (default 20 000) */
  maxMessages?: number
}

export class MessageCache {
  private readonly entries = new Map<string, Entry>()
  private readonly windows: Array<Array<{ id: string; topic: string }>> = [[]]
  private readonly historyLength: number
  private readonly gossipLength: number
  private readonly maxMessages: number

  constructor(init: MessageCacheInit = {}) {
    this.historyLength = init.historyLength ?? DEFAULT_ROUTER_OPTIONS.mcacheLength
    this.gossipLength = init.gossipLength ?? DEFAULT_ROUTER_OPTIONS.mcacheGossip
    this.maxMessages = init.maxMessages ?? DEFAULT_ROUTER_OPTIONS.mcacheMaxMessages
    if (!(this.gossipLength >= 1 && this.gossipLength <= this.historyLength)) {
      throw new RangeError('gossipLength must be between 1 and historyLength')
    }
  }

  get size(): number {
    return this.entries.size
  }

  /** Adds a message; false if it was cached already. */
  put(id: string, message: RPC.Message, topic: string): boolean {
    if (this.entries.has(id)) return false
    if (this.entries.size >= this.maxMessages) this.evictOldest()
    this.entries.set(id, { message, topic, iwantCounts: new Map() })
    this.windows[0].push({ id, topic })
    return true
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  get(id: string): RPC.Message | undefined {
    return this.entries.get(id)?.message
  }

  /**
   * The message for an IWANT from `peer`, and how many times that peer asked
   * for it (the router stops answering past its retransmission limit).
   */
  getForPeer(id: string, peer: string): { message: RPC.Message; count: number } | undefined {
    const entry = this.entries.get(id)
    if (entry == null) return undefined
    const count = (entry.iwantCounts.get(peer) ?? 0) + 1
    if (entry.iwantCounts.size < 256 || entry.iwantCounts.has(peer)) entry.iwantCounts.set(peer, count)
    return { message: entry.message, count }
  }

  /** Ids to advertise in IHAVE for `topic`, newest window first. */
  getGossipIds(topic: string): string[] {
    const out: string[] = []
    for (let i = 0; i < Math.min(this.gossipLength, this.windows.length); i++) {
      for (const entry of this.windows[i]) if (entry.topic === topic) out.push(entry.id)
    }
    return out
  }

  /** Topics with messages in the gossip windows. */
  gossipTopics(): Set<string> {
    const out = new Set<string>()
    for (let i = 0; i < Math.min(this.gossipLength, this.windows.length); i++) {
      for (const entry of this.windows[i]) out.add(entry.topic)
    }
    return out
  }

  /** Opens a new window and drops the messages of the oldest. */
  shift(): void {
    this.windows.unshift([])
    while (this.windows.length > this.historyLength) {
      for (const { id } of this.windows.pop() ?? []) this.entries.delete(id)
    }
  }

  private evictOldest(): void {
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const window = this.windows[i]
      const entry = window.shift()
      if (entry != null) {
        this.entries.delete(entry.id)
        return
      }
    }
  }
}
