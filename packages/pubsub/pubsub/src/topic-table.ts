/**
 * Which peers subscribe to which topics, with a cap on topics per peer
 * (pubsub/README.md "Subscriptions"): pure bookkeeping, no I/O.
 */
export class TopicTable {
  private readonly byTopic = new Map<string, Set<string>>()
  private readonly counts = new Map<string, number>()

  constructor(private readonly maxTopicsPerPeer: number) {}

  /** Keys of the peers subscribed to `topic`. */
  get(topic: string): ReadonlySet<string> | undefined {
    return this.byTopic.get(topic)
  }

  /** Records a subscription; false if already known or the peer is at its cap. */
  subscribe(key: string, topic: string): boolean {
    let keys = this.byTopic.get(topic)
    if (keys?.has(key) === true) return false
    const count = this.counts.get(key) ?? 0
    if (count >= this.maxTopicsPerPeer) return false
    if (keys == null) {
      keys = new Set()
      this.byTopic.set(topic, keys)
    }
    keys.add(key)
    this.counts.set(key, count + 1)
    return true
  }

  /** Removes a subscription; false if there was none. */
  unsubscribe(key: string, topic: string): boolean {
    const keys = this.byTopic.get(topic)
    if (keys?.delete(key) !== true) return false
    if (keys.size === 0) this.byTopic.delete(topic)
    this.counts.set(key, (this.counts.get(key) ?? 1) - 1)
    return true
  }

  removePeer(key: string): void {
    if (!this.counts.delete(key)) return
    for (const [topic, keys] of this.byTopic) {
      if (keys.delete(key) && keys.size === 0) this.byTopic.delete(topic)
    }
  }

  clear(): void {
    this.byTopic.clear()
    this.counts.clear()
  }
}
