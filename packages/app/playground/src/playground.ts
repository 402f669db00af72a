/**
 * `playground(appName)`: a host with sensible defaults and the app's
 * messaging, shared state and files on top. Everything of an app is
 * namespaced by its name: protocols `/weft/playground/<app>/{msg,state,file}/1.0.0`,
 * topics `weft/playground/<app>/{msg,state}`. Peers of another app share the
 * network but never see our messages, state or files. With `mainline`, the
 * app's name is also a topic on the Mainline DHT, where peers find each other.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { logger } from '@weft/utils'
import { parseAddress } from './address.js'
import type { Json } from './codec.js'
import {
  InvalidAddressError,
  PeerNotInAppError,
  PlaygroundStoppedError,
  PortMappingUnavailableError,
} from './errors.js'
import { type FileProgress, fetchFile, type GetFileOptions } from './file-fetch.js'
import { FileServer } from './file-share.js'
import { decodeFileId, toHex } from './file-tree.js'
import { DEFAULT_LISTEN, openStream, type PlaygroundHost, startHost } from './host-config.js'
import { LwwMap } from './lww-map.js'
import { callSafely, Messages } from './messages.js'
import {
  APP_NAME,
  fromEnvironment,
  MAX_BANNED,
  MAX_PAYLOAD,
  type MessageHandler,
  type NatStatus,
  type PlaygroundOptions,
  type SendOptions,
} from './options.js'
import { PeerRateLimiter } from './rate-limit.js'
import { SharedState } from './shared-state.js'
import { hostTopicDiscovery, resolveMainline, type TopicDiscovery } from './topic-discovery.js'

export async function playground(appName: string, options: PlaygroundOptions = {}): Promise<Playground> {
  if (typeof appName !== 'string' || !APP_NAME.test(appName)) {
    throw new TypeError(
      `an app name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(appName)}`,
    )
  }
  if (options.openPort === true) throw new PortMappingUnavailableError()
  const maxPayloadBytes = options.maxPayloadBytes ?? 64 * 1024
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1 || maxPayloadBytes > MAX_PAYLOAD) {
    throw new RangeError(`maxPayloadBytes is 1 to ${MAX_PAYLOAD}; got ${maxPayloadBytes}`)
  }
  const environment = fromEnvironment()
  const mainlineOptions = options.mainline ?? environment.mainline
  const mainline = mainlineOptions != null ? resolveMainline(mainlineOptions) : undefined
  const host = await startHost({
    listen: options.listen ?? environment.listen ?? DEFAULT_LISTEN,
    mdns: options.mdns ?? environment.mdns ?? true,
    dht: options.dht ?? false,
    ...(mainline != null ? { mainline: { topic: `weft/playground/${appName}`, init: mainline } } : {}),
    privateKey: options.privateKey,
    name: appName,
  })
  try {
    const node = new Playground(appName, host, { ...options, mainline: mainlineOptions }, maxPayloadBytes)
    await node.start()
    return node
  } catch (err) {
    await host.stop()
    throw err
  }
}

export class Playground {
  readonly peerId: string
  readonly state: SharedState
  private readonly protocols: { msg: string; state: string; file: string }
  private readonly topics: { msg: string; state: string }
  private readonly peerHandlers = {
    join: new Set<(peer: string) => void>(),
    leave: new Set<(peer: string) => void>(),
  }
  private readonly appPeers = new Map<string, PeerId>()
  private readonly banned = new Set<string>()
  private readonly limiter: PeerRateLimiter
  private readonly messages: Messages
  private readonly files: FileServer
  private readonly log = logger('weft:playground')
  private readonly onPubsubMessage: (evt: CustomEvent) => void
  private topologyId?: string
  private syncTimer?: ReturnType<typeof setInterval>
  private syncTurn = 0
  private discovery?: TopicDiscovery
  private stopped = false

  constructor(
    readonly app: string,
    readonly host: PlaygroundHost,
    private readonly options: PlaygroundOptions,
    readonly maxPayloadBytes: number,
  ) {
    this.peerId = host.peerId.toString()
    const base = `/weft/playground/${app}`
    this.protocols = { msg: `${base}/msg/1.0.0`, state: `${base}/state/1.0.0`, file: `${base}/file/1.0.0` }
    this.topics = { msg: `weft/playground/${app}/msg`, state: `weft/playground/${app}/state` }
    this.limiter = new PeerRateLimiter(options.rateLimit)
    this.messages = new Messages({
      host,
      protocol: this.protocols.msg,
      topic: this.topics.msg,
      maxPayloadBytes,
      limiter: this.limiter,
      log: this.log,
    })
    this.files = new FileServer({ isBanned: (peer) => this.banned.has(peer), log: this.log })
    const map = new LwwMap({
      node: this.peerId,
      maxEntries: options.state?.maxEntries,
      maxValueBytes: options.state?.maxValueBytes,
    })
    this.state = new SharedState(
      {
        map,
        topic: this.topics.state,
        protocol: this.protocols.state,
        publish: async (topic, data) => {
          await this.host.services.pubsub.publish(topic, data)
        },
        openStream: async (peer, protocol, signal) => openStream(this.host, peer, protocol, signal),
        log: this.log,
      },
      { store: options.state?.store, storeName: `/weft/playground/${app}/state` },
    )
    this.onPubsubMessage = (evt) => this.receivePubsub(evt.detail)
  }

  /** @internal */
  async start(): Promise<void> {
    await this.state.load()
    const { host } = this
    // messages and state syncs are small: they run over relayed (limited) connections too; files do not
    await host.handle(
      this.protocols.msg,
      (stream, connection) => this.messages.receiveDirect(stream, connection),
      { maxInboundStreams: 64, runOnLimitedConnection: true },
    )
    await host.handle(
      this.protocols.state,
      (stream, connection) => this.state.handleSync(stream, connection),
      { maxInboundStreams: 4, runOnLimitedConnection: true },
    )
    await host.handle(this.protocols.file, (stream, connection) => this.files.handle(stream, connection), {
      maxInboundStreams: 64,
    })
    this.topologyId = await host.register(this.protocols.msg, {
      onConnect: (peer) => this.peerJoined(peer),
      onDisconnect: (peer) => this.peerLeft(peer),
      notifyOnLimitedConnection: true,
    })
    host.services.pubsub.addEventListener('message', this.onPubsubMessage as EventListener)
    host.services.pubsub.subscribe(this.topics.msg)
    host.services.pubsub.subscribe(this.topics.state)
    const interval = this.options.state?.syncInterval ?? 30_000
    if (interval > 0) this.syncTimer = setInterval(() => this.syncNext(), interval)
    if (this.options.mainline != null) {
      const init = resolveMainline(this.options.mainline)
      this.discovery = hostTopicDiscovery(host, init, this.options.joinTimeout ?? 10_000, this.log)
      this.discovery?.start()
    }
  }

  /** The addresses others can join us at, with our peer id. */
  get addresses(): string[] {
    return this.host.getMultiaddrs().map((address) => address.toString())
  }

  /** Peers connected that run this app. */
  get peers(): string[] {
    return [...this.appPeers.keys()]
  }

  get nat(): NatStatus {
    return { reachability: this.host.reachability, addresses: this.addresses, portMapping: 'unavailable' }
  }

  /**
   * Connects to a person's address (`host:port`, a multiaddr, a peer id) and
   * resolves with the peer's id once it is known to run this app (and to
   * hear our messages to all). A peer of another app: `PeerNotInAppError`.
   */
  async join(address: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    this.assertRunning('join')
    const parsed = parseAddress(address)
    const signal = AbortSignal.any([
      ...(options.signal != null ? [options.signal] : []),
      AbortSignal.timeout(this.options.joinTimeout ?? 10_000),
    ])
    if (parsed.type === 'peer' && this.host.getConnections(parsed.peer).length > 0) {
      // already connected, maybe only through a relay (a dial would look for a direct path)
      return this.waitInApp(parsed.peer, signal)
    }
    const target = parsed.type === 'peer' ? await this.resolve(parsed.peer, signal) : parsed.address
    const connection = await this.host.dial(target, { signal })
    return this.waitInApp(connection.remotePeer, signal)
  }

  /** A peer id as a dial target: as is when the peer store has addresses for it, else the addresses peer routing (the DHT) finds. */
  private async resolve(peer: PeerId, signal: AbortSignal): Promise<PeerId | Multiaddr[]> {
    const known = await this.host.peerStore.get(peer).catch(() => undefined)
    if (known != null && known.addresses.length > 0) return peer
    let found: Multiaddr[]
    try {
      found = (await this.host.peerRouting.findPeer(peer, { signal })).multiaddrs
    } catch (err) {
      throw new InvalidAddressError(
        peer.toString(),
        `no address is known for this peer and peer routing found none (${(err as Error).message}); give host:port or a multiaddr, or turn on dht`,
      )
    }
    if (found.length === 0)
      throw new InvalidAddressError(peer.toString(), 'peer routing found no address for this peer')
    return found.map((address) => address.encapsulate(`/p2p/${peer.toString()}`))
  }

  /** Calls `handler` for every message of `kind`; returns a function that stops it. */
  on(kind: string, handler: MessageHandler): () => void {
    return this.messages.on(kind, handler)
  }

  off(kind: string, handler: MessageHandler): void {
    this.messages.off(kind, handler)
  }

  /** Calls `handler` when a peer of the app connects (`'join'`) or disconnects (`'leave'`). */
  onPeer(event: 'join' | 'leave', handler: (peer: string) => void): () => void {
    this.peerHandlers[event].add(handler)
    return () => this.peerHandlers[event].delete(handler)
  }

  /**
   * Sends `payload` (JSON data) as a message of `kind`: to one peer over a
   * stream, or to every peer of the app over the app's topic. Throws
   * `PayloadTooLargeError` or `PayloadNotSerialisableError` before sending.
   */
  async send(kind: string, payload: Json, options: SendOptions = {}): Promise<void> {
    this.assertRunning('send')
    await this.messages.send(kind, payload, options)
  }

  /** `send('text', text, options)`. */
  async sendText(text: string, options: SendOptions = {}): Promise<void> {
    if (typeof text !== 'string') throw new TypeError('sendText sends a string')
    await this.send('text', text, options)
  }

  /** Shares the file at `path` with the app's peers; returns the id that names its content. */
  async shareFile(path: string, options: { chunkSize?: number; signal?: AbortSignal } = {}): Promise<string> {
    this.assertRunning('shareFile')
    return this.files.share(path, options.chunkSize, options.signal)
  }

  /** Stops sharing the file `id`; false when it was not shared. */
  async unshareFile(id: string): Promise<boolean> {
    return this.files.unshare(toHex(decodeFileId(id).root))
  }

  /** Fetches the file `id` into `dest` from every peer of the app that has it (see `GetFileOptions`). */
  async getFile(id: string, dest: string, options: GetFileOptions = {}): Promise<void> {
    this.assertRunning('getFile')
    await fetchFile(
      {
        appPeers: () => [...this.appPeers.values()],
        openStream: async (peer, signal) => this.host.dialProtocol(peer, this.protocols.file, { signal }),
        isConnected: (peer) => this.host.getConnections(peer).length > 0,
        isBanned: (peer) => this.banned.has(peer),
        ban: (peer, reason) => this.ban(peer, reason),
        log: this.log,
      },
      id,
      dest,
      options,
    )
  }

  /** Peers banned (for serving a corrupt chunk): we no longer fetch from them nor serve them files. */
  get bannedPeers(): string[] {
    return [...this.banned]
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.syncTimer != null) clearInterval(this.syncTimer)
    await this.discovery?.stop()
    this.host.services.pubsub.removeEventListener('message', this.onPubsubMessage as EventListener)
    if (this.topologyId != null) this.host.unregister(this.topologyId)
    await this.state.stop()
    await this.host.stop()
    await this.files.stop()
  }

  private ban(peer: string, reason: string): void {
    this.log('banning %s: %s', peer, reason)
    if (this.banned.size >= MAX_BANNED) {
      const oldest = this.banned.values().next().value
      if (oldest != null) this.banned.delete(oldest)
    }
    this.banned.add(peer)
  }

  private assertRunning(what: string): void {
    if (this.stopped) throw new PlaygroundStoppedError(what)
  }

  private async waitInApp(peer: PeerId, signal: AbortSignal): Promise<string> {
    const key = peer.toString()
    while (true) {
      if (
        this.appPeers.has(key) &&
        this.host.services.pubsub.getSubscribers(this.topics.msg).some((p) => p.equals(peer))
      ) {
        return key
      }
      if (!this.appPeers.has(key)) {
        const known = await this.host.peerStore.get(peer).catch(() => undefined)
        if (known != null && known.protocols.length > 0 && !known.protocols.includes(this.protocols.msg)) {
          throw new PeerNotInAppError(key, this.app)
        }
      }
      if (signal.aborted) {
        if (!this.appPeers.has(key)) throw new PeerNotInAppError(key, this.app)
        throw signal.reason
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  private peerJoined(peer: PeerId): void {
    const key = peer.toString()
    if (this.appPeers.has(key)) return
    this.appPeers.set(key, peer)
    this.log('peer %s joined %s', key, this.app)
    for (const handler of this.peerHandlers.join) callSafely(this.log, () => handler(key))
    // one side opens the catch-up exchange: the lower peer id
    if (this.peerId < key) void this.syncWith(peer)
  }

  private peerLeft(peer: PeerId): void {
    const key = peer.toString()
    if (!this.appPeers.delete(key)) return
    // it may come back at another address: look for the app's peers again soon
    this.discovery?.reset()
    for (const handler of this.peerHandlers.leave) callSafely(this.log, () => handler(key))
  }

  private syncNext(): void {
    const peers = [...this.appPeers.values()]
    if (peers.length === 0) return
    void this.syncWith(peers[this.syncTurn++ % peers.length]!)
  }

  /** Anti-entropy with `peer` (never throws: a failed round is retried on the next turn). */
  async syncWith(peer: PeerId): Promise<number> {
    try {
      return await this.state.sync(peer, AbortSignal.timeout(30_000))
    } catch (err) {
      if (!this.stopped) this.log('state sync with %s failed: %s', peer.toString(), (err as Error).message)
      return 0
    }
  }

  private receivePubsub(message: { type: string; topic: string; data: Uint8Array; from?: PeerId }): void {
    if (message.type !== 'signed' || message.from == null) return
    if (message.topic !== this.topics.msg && message.topic !== this.topics.state) return
    const from = message.from.toString()
    if (from === this.peerId) return
    if (!this.limiter.take(from)) {
      this.log('rate limit: dropping a message from %s', from)
      return
    }
    if (message.topic === this.topics.state) {
      this.state.receiveDelta(message.data, from)
      return
    }
    this.messages.receiveTopic(message.data, from)
  }
}

export type { FileProgress, GetFileOptions, MessageHandler, NatStatus, PlaygroundOptions, SendOptions }
