/**
 * libp2p over Mainline, as a host service:
 *
 * - **peer routing**: the host's multiaddrs are a BEP44 mutable item signed
 *   by its Ed25519 key (salt `libp2p`), republished before it expires and
 *   whenever the addresses change, so `findPeer(id)` works through Mainline
 *   for Ed25519 peer ids, with no libp2p bootstrap node;
 * - **peer discovery**: each topic is an infohash (SHA-1 of a namespaced
 *   string) the host announces with its DHT port (`implied_port`) and looks
 *   up; each node found is asked `libp2p_peer` for its signed item, checked
 *   like a BEP44 get, so two hosts that share only a topic string find each
 *   other.
 */
import { setMaxListeners } from 'node:events'
import {
  type AbortOptions,
  type ComponentLogger,
  type Libp2pEvents,
  type Logger,
  NotFoundError,
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerId,
  type PeerInfo,
  type PeerRouting,
  type PrivateKey,
  peerDiscoverySymbol,
  peerRoutingSymbol,
  type Startable,
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { publicKeyFromRaw } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { type Address, addressKey } from './address.js'
import { equalBytes, type MutableItem, PUBLIC_KEY_SIZE, verifyItem } from './bep44.js'
import { MainlineDHT } from './dht.js'
import { mutableItemOf } from './item-client.js'
import type { MainlineDHTInit } from './options.js'
import { decodeAddresses, ed25519KeyOf, encodeAddresses, PEER_SALT, topicInfohash } from './peer-item.js'

export interface MainlineServiceInit {
  /** A DHT the caller runs (not stopped with the service), or options for one the service starts and stops. */
  dht?: MainlineDHT | MainlineDHTInit
  /** Topics to announce and look up; peers found are `peer` discovery events. */
  topics?: readonly string[]
  /** Prefix of topic strings before hashing (default '/weft/mainline/topic/'). */
  topicNamespace?: string
  /** BEP44 salt of the address item (default 'libp2p'). */
  salt?: string
  /** How often the address item is put again, ms (default 30 min; items live 2 h). */
  republishInterval?: number
  /** How often topics are announced and looked up, ms (default 5 min; announcements live 30 min). */
  topicInterval?: number
  /** Publish our addresses (default true); false: look up only. */
  publish?: boolean
  /** Nodes asked for their item per topic round at most (default 32). */
  maxPeersPerTopic?: number
}

export interface MainlineServiceComponents {
  privateKey: PrivateKey
  addressManager: { getAddresses(): Multiaddr[] }
  events?: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export const PEER_QUERY = 'libp2p_peer'

export class MainlineService
  extends TypedEventEmitter<PeerDiscoveryEvents>
  implements PeerDiscovery, PeerRouting, Startable
{
  readonly [Symbol.toStringTag] = '@weft/mainline-dht'
  readonly [peerDiscoverySymbol] = this
  readonly [peerRoutingSymbol] = this
  readonly dht: MainlineDHT
  private readonly ownsDHT: boolean
  private readonly log: Logger
  private readonly salt: Uint8Array
  private readonly topics: Uint8Array[]
  private readonly timers: ReturnType<typeof setInterval>[] = []
  private item?: MutableItem
  private seq = -1
  private lifetime = new AbortController()
  private started = false
  private publishing = false

  constructor(
    private readonly components: MainlineServiceComponents,
    private readonly init: MainlineServiceInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:mainline-dht:libp2p')
    this.ownsDHT = !(init.dht instanceof MainlineDHT)
    this.dht =
      init.dht instanceof MainlineDHT ? init.dht : new MainlineDHT({ logger: components.logger, ...init.dht })
    this.salt = new TextEncoder().encode(init.salt ?? PEER_SALT)
    this.topics = (init.topics ?? []).map((topic) => topicInfohash(topic, init.topicNamespace))
    this.dht.handle(PEER_QUERY, () => {
      const item = this.item
      if (item === undefined) return {}
      return { k: item.k, seq: item.seq, sig: item.sig, v: item.v }
    })
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.lifetime = new AbortController()
    setMaxListeners(Number.POSITIVE_INFINITY, this.lifetime.signal)
    if (this.ownsDHT) await this.dht.start()
  }

  /** After the host is up (its addresses are known): publish and start the topic rounds. */
  afterStart(): void {
    const signal = this.lifetime.signal
    if (this.init.publish !== false) {
      void this.publish({ signal }).catch((err) => this.log('publish failed: %s', (err as Error).message))
      this.timers.push(
        setInterval(
          () => void this.publish({ signal }).catch(() => {}),
          this.init.republishInterval ?? 30 * 60_000,
        ),
      )
      this.components.events?.addEventListener('self:peer:update', this.onSelfUpdate)
    }
    if (this.topics.length > 0) {
      void this.topicRound({ signal }).catch(() => {})
      this.timers.push(
        setInterval(
          () => void this.topicRound({ signal }).catch(() => {}),
          this.init.topicInterval ?? 5 * 60_000,
        ),
      )
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.lifetime.abort()
    for (const timer of this.timers) clearInterval(timer)
    this.timers.length = 0
    this.components.events?.removeEventListener('self:peer:update', this.onSelfUpdate)
    if (this.ownsDHT) await this.dht.stop()
  }

  /** Puts our addresses as a signed BEP44 item; resolves with the nodes that stored it. */
  async publish(options: AbortOptions = {}): Promise<number> {
    const key = this.components.privateKey
    if (key.type !== 'Ed25519' || key.publicKey.raw.length !== PUBLIC_KEY_SIZE)
      throw new TypeError(`Mainline BEP44 keys are Ed25519; this host's key is ${key.type}`)
    // seconds since the epoch, so a restarted host still outbids its last item
    const seq = Math.max(this.seq + 1, Math.floor(Date.now() / 1000))
    const value = encodeAddresses(this.components.addressManager.getAddresses())
    const result = await this.dht.putMutable(key, value, { salt: this.salt, seq, signal: options.signal })
    this.seq = seq
    this.item = { v: value, k: key.publicKey.raw, seq, salt: this.salt, sig: result.sig }
    this.log('published %d addresses to %d nodes (seq %d)', decodeAddresses(value).length, result.stored, seq)
    return result.stored
  }

  /** `PeerRouting.findPeer` through BEP44: only Ed25519 peer ids can be found. */
  async findPeer(peerId: PeerId, options: AbortOptions = {}): Promise<PeerInfo> {
    const raw = ed25519KeyOf(peerId)
    if (raw === undefined)
      throw new NotFoundError(`only Ed25519 peer ids are on Mainline, not ${peerId.type}`)
    const { item } = await this.dht.getMutable(raw, { salt: this.salt, signal: options.signal })
    const multiaddrs = item === undefined ? [] : decodeAddresses(item.v)
    if (multiaddrs.length === 0) throw new NotFoundError(`${peerId.toString()} has no addresses on Mainline`)
    return { id: peerId, multiaddrs }
  }

  async *getClosestPeers(): AsyncIterable<PeerInfo> {
    // Mainline nodes are not libp2p peers: there are none to give
  }

  /** Announces every topic, looks each up, and asks the nodes found for their item. */
  async topicRound(options: AbortOptions = {}): Promise<PeerInfo[]> {
    const found: PeerInfo[] = []
    const own = new Set(this.dht.addresses().map(addressKey))
    for (const infohash of this.topics) {
      const { lookup } = await this.dht.announce(infohash, { impliedPort: true, signal: options.signal })
      const peers = lookup.peers.filter((peer) => !own.has(addressKey(peer)))
      const local = this.dht.peers.get(infohash).filter((peer) => !own.has(addressKey(peer)))
      const unique = new Map([...peers, ...local].map((peer) => [addressKey(peer), peer]))
      const asked = [...unique.values()].slice(0, this.init.maxPeersPerTopic ?? 32)
      const infos = await Promise.all(asked.map(async (peer) => this.askPeer(peer, options)))
      for (const info of infos) {
        if (info === undefined) continue
        found.push(info)
        this.safeDispatchEvent('peer', { detail: info })
      }
    }
    return found
  }

  /** The signed item a topic member's DHT node gives, checked. */
  private async askPeer(node: Address, options: AbortOptions): Promise<PeerInfo | undefined> {
    try {
      const response = await this.dht.query(node, PEER_QUERY, {}, { signal: options.signal })
      const found = mutableItemOf(response)
      if (found === undefined) return undefined
      const item = { ...found, salt: this.salt }
      if (!verifyItem(item)) return undefined
      const id = peerIdFromPublicKey(publicKeyFromRaw(item.k))
      if (equalBytes(item.k, this.components.privateKey.publicKey.raw)) return undefined
      return { id, multiaddrs: decodeAddresses(item.v) }
    } catch {
      return undefined
    }
  }

  private readonly onSelfUpdate = (): void => {
    // one publish at a time; a change during it is caught by the next one
    if (this.publishing) return
    this.publishing = true
    void this.publish({ signal: this.lifetime.signal })
      .catch(() => {})
      .finally(() => {
        this.publishing = false
      })
  }
}

/** The service factory: `services: { mainline: mainline({ topics: ['my-app'] }) }`. */
export function mainline(
  init: MainlineServiceInit = {},
): (components: MainlineServiceComponents) => MainlineService {
  return (components) => new MainlineService(components, init)
}
