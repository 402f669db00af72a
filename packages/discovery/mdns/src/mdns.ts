/**
 * The mDNS discovery service: a `multicast-dns` socket (or any object with
 * the same small surface, for tests), a query at start and every `interval`
 * ms, answers to peer queries with our addresses, and a `'peer'` event for
 * every peer a response announces.
 *
 * Bounds: responses to queries at most once per `minResponseInterval` ms;
 * a peer announcing the same addresses again within `interval` is not
 * re-emitted; the table of recently emitted peers keeps `maxPeers` entries
 * (least recently seen dropped); packet parsing limits are in packet.ts.
 */
import { randomBytes } from 'node:crypto'
import {
  type ComponentLogger,
  type Logger,
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerId,
  peerDiscoverySymbol,
  type Startable,
  TypedEventEmitter,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import multicastDNS from 'multicast-dns'
import { type MdnsInit, resolveConfig } from './config.js'
import { MulticastSocketError } from './errors.js'
import {
  type DnsPacket,
  type ParseLimits,
  parseResponse,
  peerQuery,
  peerResponse,
  queryKind,
  servicesResponse,
} from './packet.js'

/** The part of a `multicast-dns` instance the service uses. */
export interface MulticastSocket {
  on(event: 'query' | 'response', listener: (packet: DnsPacket) => void): unknown
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown
  removeAllListeners(): unknown
  query(packet: { questions: DnsPacket['questions'] }): void
  respond(packet: { answers: DnsPacket['answers']; additionals?: DnsPacket['additionals'] }): void
  destroy(callback?: () => void): void
}

export interface SocketOptions {
  port: number
  ip: string
  interface?: string
}

export interface MdnsComponents {
  peerId: PeerId
  addressManager: { getAddresses(): Multiaddr[] }
  logger: ComponentLogger
}

interface Seen {
  addresses: string
  at: number
}

export class MulticastDNS extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [Symbol.toStringTag] = '@weft/mdns'
  readonly [peerDiscoverySymbol] = this
  readonly peerName: string
  private readonly log: Logger
  private readonly interval: number
  private readonly serviceTag: string
  private readonly broadcast: boolean
  private readonly socketOptions: SocketOptions
  private readonly announceLoopback: boolean
  private readonly limits: ParseLimits
  private readonly maxPeers: number
  private readonly minResponseInterval: number
  private readonly makeSocket: (options: SocketOptions) => MulticastSocket
  private readonly seen = new Map<string, Seen>()
  private socket?: MulticastSocket
  private timer?: ReturnType<typeof setInterval>
  /** a response held back by the rate limit, sent when the window ends */
  private pendingResponse?: ReturnType<typeof setTimeout>
  private readonly pendingKinds = new Set<'peers' | 'services'>()
  private lastResponse = 0

  constructor(
    private readonly components: MdnsComponents,
    init: MdnsInit = {},
  ) {
    super()
    this.log = components.logger.forComponent('weft:mdns')
    const config = resolveConfig(init)
    this.interval = config.interval
    this.serviceTag = config.serviceTag
    this.peerName = config.peerName ?? randomName(32)
    if (!/^[a-z0-9-]{1,63}$/i.test(this.peerName)) {
      throw new TypeError(
        `peerName must be 1–63 letters, digits or dashes (a DNS label), got "${this.peerName}"`,
      )
    }
    this.broadcast = config.broadcast
    this.socketOptions = config.socketOptions
    this.announceLoopback = config.announceLoopback
    this.limits = config.limits
    this.maxPeers = config.maxPeers
    this.minResponseInterval = config.minResponseInterval
    this.makeSocket = config.socket ?? defaultSocket
    this.onQuery = this.onQuery.bind(this)
    this.onResponse = this.onResponse.bind(this)
  }

  isStarted(): boolean {
    return this.socket != null
  }

  start(): void {
    if (this.socket != null) return
    let socket: MulticastSocket
    try {
      socket = this.makeSocket(this.socketOptions)
    } catch (err) {
      throw new MulticastSocketError(`could not open the mDNS socket: ${(err as Error).message}`)
    }
    this.socket = socket
    socket.on('query', this.onQuery)
    socket.on('response', this.onResponse)
    socket.on('error', (err: Error) => this.log.error('mDNS socket error: %s', err.message))
    socket.on('warning', (err: Error) => this.log('mDNS warning: %s', err.message))
    this.query()
    this.timer = setInterval(() => this.query(), this.interval)
  }

  async stop(): Promise<void> {
    const socket = this.socket
    if (socket == null) return
    this.socket = undefined
    clearInterval(this.timer)
    this.timer = undefined
    clearTimeout(this.pendingResponse)
    this.pendingResponse = undefined
    this.pendingKinds.clear()
    this.seen.clear()
    socket.removeAllListeners()
    // multicast-dns reports errors of the closing socket on 'error': keep one listener
    socket.on('error', () => {})
    await new Promise<void>((resolve) => socket.destroy(() => resolve()))
  }

  private query(): void {
    try {
      this.socket?.query(peerQuery(this.serviceTag))
    } catch (err) {
      this.log.error('could not send the mDNS query: %s', (err as Error).message)
    }
  }

  private onQuery(packet: DnsPacket): void {
    if (this.socket == null || !this.broadcast) return
    const kind = queryKind(packet, this.serviceTag)
    if (kind == null) return
    const wait = this.lastResponse + this.minResponseInterval - Date.now()
    if (wait > 0) {
      // rate limited: answer once when the window ends (multicast reaches every asker)
      this.pendingKinds.add(kind)
      this.pendingResponse ??= setTimeout(() => {
        this.pendingResponse = undefined
        for (const pending of this.pendingKinds) this.respond(pending)
        this.pendingKinds.clear()
      }, wait)
      return
    }
    this.respond(kind)
  }

  private respond(kind: 'peers' | 'services'): void {
    if (this.socket == null) return
    this.lastResponse = Date.now()
    try {
      if (kind === 'services') {
        this.socket.respond(servicesResponse(this.serviceTag))
        return
      }
      const response = peerResponse({
        serviceTag: this.serviceTag,
        peerName: this.peerName,
        peerId: this.components.peerId,
        multiaddrs: this.announced(),
      })
      if (response != null) this.socket.respond(response)
    } catch (err) {
      this.log.error('could not answer an mDNS query: %s', (err as Error).message)
    }
  }

  /** Our addresses worth announcing on the LAN: no loopback, no relayed ones. */
  private announced(): Multiaddr[] {
    return this.components.addressManager.getAddresses().filter((address) => {
      const text = address.toString()
      if (text.includes('/p2p-circuit')) return false
      if (this.announceLoopback) return true
      return !(text.startsWith('/ip4/127.') || text.startsWith('/ip6/::1/'))
    })
  }

  private onResponse(packet: DnsPacket): void {
    if (this.socket == null) return
    let peers: ReturnType<typeof parseResponse>
    try {
      peers = parseResponse(packet, this.serviceTag, this.peerName, this.limits)
    } catch (err) {
      this.log('ignoring a malformed mDNS response: %s', (err as Error).message)
      return
    }
    const now = Date.now()
    for (const peer of peers) {
      if (peer.id.equals(this.components.peerId) || peer.multiaddrs.length === 0) continue
      const key = peer.id.toString()
      const addresses = peer.multiaddrs
        .map((address) => address.toString())
        .sort()
        .join(' ')
      const seen = this.seen.get(key)
      if (seen != null && seen.addresses === addresses && now - seen.at < this.interval) continue
      this.seen.delete(key)
      this.seen.set(key, { addresses, at: now })
      if (this.seen.size > this.maxPeers) {
        const oldest = this.seen.keys().next().value
        if (oldest != null) this.seen.delete(oldest)
      }
      this.log('discovered %p with %d addresses', peer.id, peer.multiaddrs.length)
      this.safeDispatchEvent('peer', { detail: peer })
    }
  }
}

function defaultSocket(options: SocketOptions): MulticastSocket {
  return multicastDNS({
    port: options.port,
    ip: options.ip,
    interface: options.interface,
    // bound to an interface address a Linux socket would not see multicast
    bind: '0.0.0.0',
    multicast: true,
    loopback: true,
    reuseAddr: true,
  }) as unknown as MulticastSocket
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function randomName(length: number): string {
  let out = ''
  for (const byte of randomBytes(length)) out += ALPHABET[byte % ALPHABET.length]
  return out
}
