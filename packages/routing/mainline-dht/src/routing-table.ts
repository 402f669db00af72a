/**
 * The BEP5 routing table: k-buckets covering the id space, where only the
 * bucket whose range holds our own id splits. Bucket i holds the nodes that
 * share exactly i leading bits with us; the last bucket holds those sharing
 * at least as many, and is the one that splits. Pure logic, no sockets: the
 * DHT pings the nodes this table asks about.
 */
import { addressKey, type NodeContact } from './address.js'
import { commonPrefixLength, distance, equalIds, idToHex, isSecureId, randomId } from './node-id.js'

/** What to do with nodes whose id does not match their IP (BEP42). */
export type SecureIdPolicy = 'prefer' | 'enforce' | 'ignore'

export interface TableNode extends NodeContact {
  /** When it last answered one of our queries (0: never). */
  lastResponse: number
  /** When it last sent us a query. */
  lastQuery: number
  /** Consecutive queries it failed to answer. */
  failures: number
  readonly secure: boolean
}

export type NodeState = 'good' | 'questionable' | 'bad'

export interface RoutingTableInit {
  /** Bucket size (BEP5: 8). */
  k?: number
  secureIds?: SecureIdPolicy
  /** Table entries per IP address (default 1; a local swarm on one host needs more). */
  nodesPerIp?: number
  /** A node turns questionable after this long without activity (BEP5: 15 min). */
  goodFor?: number
  /** Failed queries that make a node bad (default 2). */
  badAfterFailures?: number
  now?: () => number
}

interface Bucket {
  nodes: TableNode[]
  lastChanged: number
  /** A node waiting for a questionable one to fail its ping. */
  replacement?: NodeContact
}

export type AddResult =
  | { readonly status: 'added' | 'updated' | 'rejected' | 'full' }
  /** The bucket is full but holds questionable nodes: ping this one, then call `failed()` if it does not answer. */
  | { readonly status: 'ping'; readonly node: TableNode }

const ID_BITS = 160

export class RoutingTable {
  readonly k: number
  private readonly buckets: Bucket[]
  private readonly byId = new Map<string, TableNode>()
  private readonly perIp = new Map<string, number>()
  private readonly policy: SecureIdPolicy
  private readonly nodesPerIp: number
  private readonly goodFor: number
  private readonly badAfter: number
  private readonly now: () => number

  constructor(
    readonly id: Uint8Array,
    init: RoutingTableInit = {},
  ) {
    this.k = init.k ?? 8
    this.policy = init.secureIds ?? 'prefer'
    this.nodesPerIp = init.nodesPerIp ?? 1
    this.goodFor = init.goodFor ?? 15 * 60_000
    this.badAfter = init.badAfterFailures ?? 2
    this.now = init.now ?? Date.now
    this.buckets = [{ nodes: [], lastChanged: this.now() }]
  }

  get size(): number {
    return this.byId.size
  }

  get bucketCount(): number {
    return this.buckets.length
  }

  state(node: TableNode): NodeState {
    if (node.failures >= this.badAfter) return 'bad'
    const now = this.now()
    if (
      node.lastResponse > 0 &&
      (now - node.lastResponse < this.goodFor || now - node.lastQuery < this.goodFor)
    )
      return 'good'
    return 'questionable'
  }

  get(id: Uint8Array): TableNode | undefined {
    return this.byId.get(idToHex(id))
  }

  /**
   * Offers a node. `responded`: it answered a query of ours (else it only
   * queried us). Nodes learned from others' `nodes` lists never come here:
   * only nodes that spoke to us do, so a liar cannot fill the table.
   */
  add(contact: NodeContact, responded: boolean): AddResult {
    if (equalIds(contact.id, this.id) || contact.port === 0) return { status: 'rejected' }
    const now = this.now()
    const existing = this.get(contact.id)
    if (existing !== undefined) {
      // an id seen at another address keeps its first address: no hijacking
      if (addressKey(existing) !== addressKey(contact)) return { status: 'rejected' }
      if (responded) {
        existing.lastResponse = now
        existing.failures = 0
      } else existing.lastQuery = now
      this.bucketOf(contact.id).lastChanged = now
      return { status: 'updated' }
    }
    const secure = isSecureId(contact.id, contact.host)
    if (!secure && this.policy === 'enforce') return { status: 'rejected' }
    if ((this.perIp.get(contact.host) ?? 0) >= this.nodesPerIp) return { status: 'rejected' }
    const node: TableNode = {
      id: contact.id,
      host: contact.host,
      port: contact.port,
      lastResponse: responded ? now : 0,
      lastQuery: responded ? 0 : now,
      failures: 0,
      secure,
    }
    for (;;) {
      const index = this.bucketIndex(contact.id)
      const bucket = this.buckets[index] as Bucket
      if (bucket.nodes.length < this.k) {
        this.insert(bucket, node)
        return { status: 'added' }
      }
      if (index === this.buckets.length - 1 && this.buckets.length < ID_BITS) {
        this.split()
        continue
      }
      const bad = bucket.nodes.find((entry) => this.state(entry) === 'bad')
      if (bad !== undefined) {
        this.remove(bad)
        this.insert(bucket, node)
        return { status: 'added' }
      }
      if (this.policy === 'prefer' && secure) {
        const insecure = bucket.nodes.find((entry) => !entry.secure)
        if (insecure !== undefined) {
          this.remove(insecure)
          this.insert(bucket, node)
          return { status: 'added' }
        }
      }
      if (!responded) return { status: 'full' }
      const questionable = bucket.nodes
        .filter((entry) => this.state(entry) === 'questionable')
        .sort((a, b) => Math.max(a.lastResponse, a.lastQuery) - Math.max(b.lastResponse, b.lastQuery))[0]
      if (questionable === undefined) return { status: 'full' }
      bucket.replacement = contact
      return { status: 'ping', node: questionable }
    }
  }

  /** A query to `id` went unanswered; a bad node gives way to its bucket's replacement. */
  failed(id: Uint8Array): void {
    const node = this.get(id)
    if (node === undefined) return
    node.failures++
    if (this.state(node) !== 'bad') return
    const bucket = this.bucketOf(id)
    const replacement = bucket.replacement
    if (replacement === undefined) return
    bucket.replacement = undefined
    this.remove(node)
    this.add(replacement, true)
  }

  remove(node: TableNode): void {
    const key = idToHex(node.id)
    if (this.byId.get(key) !== node) return
    this.byId.delete(key)
    const count = (this.perIp.get(node.host) ?? 1) - 1
    if (count === 0) this.perIp.delete(node.host)
    else this.perIp.set(node.host, count)
    const bucket = this.bucketOf(node.id)
    bucket.nodes = bucket.nodes.filter((entry) => entry !== node)
    bucket.lastChanged = this.now()
  }

  /** The `count` non-bad nodes closest to `target`, nearest first. */
  closest(target: Uint8Array, count = this.k, filter?: (node: TableNode) => boolean): TableNode[] {
    const nodes = [...this.byId.values()].filter(
      (node) => this.state(node) !== 'bad' && (filter?.(node) ?? true),
    )
    return nodes
      .map((node) => ({ node, distance: distance(node.id, target) }))
      .sort((a, b) => (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0))
      .slice(0, count)
      .map((entry) => entry.node)
  }

  nodes(): TableNode[] {
    return [...this.byId.values()]
  }

  /** One random target in each bucket unchanged for `after` ms (BEP5: 15 min), for a refreshing find_node. */
  staleTargets(after = this.goodFor): Uint8Array[] {
    const now = this.now()
    const targets: Uint8Array[] = []
    this.buckets.forEach((bucket, index) => {
      if (now - bucket.lastChanged >= after) {
        bucket.lastChanged = now
        targets.push(this.randomIdInBucket(index))
      }
    })
    return targets
  }

  /** A random id sharing exactly `index` leading bits with ours (at least, for the last bucket). */
  randomIdInBucket(index: number): Uint8Array {
    const id = randomId()
    for (let bit = 0; bit < index; bit++) copyBit(this.id, id, bit)
    if (index < this.buckets.length - 1) {
      const byte = index >> 3
      const mask = 0x80 >> (index & 7)
      id[byte] = ((id[byte] as number) & ~mask) | (~(this.id[byte] as number) & mask)
    }
    return id
  }

  private bucketIndex(id: Uint8Array): number {
    return Math.min(commonPrefixLength(this.id, id), this.buckets.length - 1)
  }

  private bucketOf(id: Uint8Array): Bucket {
    return this.buckets[this.bucketIndex(id)] as Bucket
  }

  private insert(bucket: Bucket, node: TableNode): void {
    bucket.nodes.push(node)
    bucket.lastChanged = this.now()
    this.byId.set(idToHex(node.id), node)
    this.perIp.set(node.host, (this.perIp.get(node.host) ?? 0) + 1)
  }

  /** Splits the last bucket: nodes sharing exactly its index bits stay, closer ones move to a new last bucket. */
  private split(): void {
    const index = this.buckets.length - 1
    const last = this.buckets[index] as Bucket
    const next: Bucket = { nodes: [], lastChanged: last.lastChanged }
    const stay: TableNode[] = []
    for (const node of last.nodes)
      (commonPrefixLength(this.id, node.id) > index ? next.nodes : stay).push(node)
    last.nodes = stay
    last.replacement = undefined
    this.buckets.push(next)
  }
}

function copyBit(from: Uint8Array, to: Uint8Array, bit: number): void {
  const byte = bit >> 3
  const mask = 0x80 >> (bit & 7)
  to[byte] = ((to[byte] as number) & ~mask) | ((from[byte] as number) & mask)
}
