/**
 * The TURN client (RFC 8656): one allocation on one server. It authenticates
 * with long-term credentials (authenticator.ts: 401 → REALM and NONCE → the
 * request again, signed; 438 → the new NONCE; a 401 to signed credentials →
 * fresh ones from the source, on a new 5-tuple when no allocation exists
 * yet), refreshes the allocation before it expires, keeps permissions and
 * channels alive on their own timers (peer-bindings.ts), sends with Send
 * indications or ChannelData and reports what peers send as `'data'` events.
 * `close()` deletes the allocation (Refresh, LIFETIME 0) and clears every
 * timer. RFC 6062 TCP allocations: see `connect()` and `accept()`.
 */
import type { Logger } from '@libp2p/interface'
import {
  type Attribute,
  type Endpoint,
  findAttribute,
  type Message,
  type RetransmissionInit,
  type TransportAddress,
  TurnAttributeType,
  TurnMethod,
} from '@weft/stun'
import { logger as createLogger, LightEventTarget, throwIfAborted } from '@weft/utils'
import { Authenticator } from './authenticator.js'
import type { CredentialSource } from './credentials.js'
import { errorForCode, TurnClosedError } from './errors.js'
import { type ChannelData, encodeChannelData } from './framing.js'
import { Link } from './link.js'
import { PeerBindings } from './peer-bindings.js'
import { attribute, findOther, lifetimeOf, peerAttributes, u32, xorAddressOf } from './wire.js'

export interface TurnClientInit extends RetransmissionInit {
  server: Endpoint
  /** how the client reaches the server ('udp') */
  transport?: 'udp' | 'tcp'
  credentials: CredentialSource
  /** the relayed transport: 'udp' (RFC 8656) or 'tcp' (RFC 6062, needs `transport: 'tcp'`) */
  relay?: 'udp' | 'tcp'
  /** requested allocation lifetime, s (600) */
  lifetime?: number
  /** refresh this many seconds before the allocation expires (60; at least half the lifetime is used) */
  refreshMargin?: number
  /** ms between permission refreshes (240 000: permissions live 300 s) */
  permissionRefresh?: number
  /** ms between channel refreshes (540 000: channels live 600 s) */
  channelRefresh?: number
  /** permissions and channels at most (64 each) */
  maxPermissions?: number
  maxChannels?: number
  /** Ti over TCP, ms (39 500) */
  timeout?: number
  software?: string
  logger?: Logger
}

export interface Allocation {
  relayed: TransportAddress
  /** the client's address as the server sees it (XOR-MAPPED-ADDRESS) */
  mapped?: TransportAddress
  /** seconds granted */
  lifetime: number
}

export interface DataEventDetail {
  peer: TransportAddress
  data: Uint8Array
}

export interface ConnectionAttemptDetail {
  peer: TransportAddress
  connectionId: number
}

export interface TurnClientEvents {
  data: CustomEvent<DataEventDetail>
  'connection-attempt': CustomEvent<ConnectionAttemptDetail>
  /** the allocation is gone (closed, expired or the link failed) */
  close: CustomEvent<{ error?: Error }>
}

export class TurnClient extends LightEventTarget<TurnClientEvents> {
  allocation?: Allocation
  /** how often the server sent 438 (a nonce expired) and the source gave new credentials after a 401 */
  readonly stats = { staleNonces: 0, credentialRenewals: 0 }
  private link?: Link
  private closed = false
  private allocationTimer?: ReturnType<typeof setTimeout>
  private readonly authenticator: Authenticator
  private readonly bindings: PeerBindings
  readonly log: Logger

  constructor(readonly init: TurnClientInit) {
    super()
    if (init.relay === 'tcp' && init.transport !== 'tcp')
      throw new RangeError('a TCP allocation (RFC 6062) needs transport: "tcp" to the server')
    this.log = init.logger ?? createLogger('weft:turn')
    this.authenticator = new Authenticator({
      credentials: init.credentials,
      software: init.software,
      log: this.log,
      stats: this.stats,
      link: () => this.link,
      onUsernameChange: async (link, signal) => {
        // a server ties a 5-tuple to the first username it saw (coturn answers 437):
        // new credentials get a new 5-tuple
        if (this.allocation != null) return
        this.link = undefined
        link.close()
        await this.openLink(signal)
      },
    })
    this.bindings = new PeerBindings({
      request: async (method, attributes, signal) => this.authenticator.request(method, attributes, signal),
      maxPermissions: init.maxPermissions ?? 64,
      maxChannels: init.maxChannels ?? 64,
      permissionRefresh: init.permissionRefresh ?? 240_000,
      channelRefresh: init.channelRefresh ?? 540_000,
      log: this.log,
    })
  }

  /** Connects to the server and makes the allocation. */
  async allocate(options: { signal?: AbortSignal } = {}): Promise<Allocation> {
    throwIfAborted(options.signal)
    if (this.closed) throw new TurnClosedError()
    if (this.allocation != null) return this.allocation
    await this.openLink(options.signal)
    const response = await this.authenticator.request(
      TurnMethod.ALLOCATE,
      () => [
        attribute(
          TurnAttributeType.REQUESTED_TRANSPORT,
          Uint8Array.of(this.init.relay === 'tcp' ? 6 : 17, 0, 0, 0),
        ),
        attribute(TurnAttributeType.LIFETIME, u32(this.init.lifetime ?? 600)),
      ],
      options.signal,
    )
    const relayed = xorAddressOf(response, TurnAttributeType.XOR_RELAYED_ADDRESS)
    if (relayed == null)
      throw errorForCode(500, 'the Allocate response has no XOR-RELAYED-ADDRESS', 'Allocate')
    this.allocation = {
      relayed,
      mapped: findAttribute(response, 'xor-mapped-address')?.value,
      lifetime: lifetimeOf(response) ?? this.init.lifetime ?? 600,
    }
    this.log('allocated %s:%d for %d s', relayed.address, relayed.port, this.allocation.lifetime)
    this.scheduleRefresh(this.allocation.lifetime)
    return this.allocation
  }

  private async openLink(signal?: AbortSignal): Promise<Link> {
    if (this.link != null) return this.link
    const link: Link = await Link.open(
      { ...this.init, transport: this.init.transport ?? 'udp', log: this.log, signal },
      {
        onIndication: (message) => this.onIndication(message),
        onChannelData: (frame) => this.onChannelData(frame),
        // a link replaced before the allocation (new credentials) ends quietly
        onClose: (err) => {
          if (this.link === link) this.onLinkClose(err)
        },
      },
    )
    this.link = link
    return link
  }

  /** Refreshes the allocation now (RFC 8656 §8); the timer does it before expiry. */
  async refresh(options: { signal?: AbortSignal; lifetime?: number } = {}): Promise<number> {
    if (this.allocation == null) throw new TurnClosedError('no allocation to refresh')
    const response = await this.authenticator.request(
      TurnMethod.REFRESH,
      () => [attribute(TurnAttributeType.LIFETIME, u32(options.lifetime ?? this.init.lifetime ?? 600))],
      options.signal,
    )
    const lifetime = lifetimeOf(response) ?? this.init.lifetime ?? 600
    this.allocation.lifetime = lifetime
    this.scheduleRefresh(lifetime)
    this.log.trace('refreshed the allocation for %d s', lifetime)
    return lifetime
  }

  /** Installs (and keeps refreshing) a permission for `peer`'s IP (RFC 8656 §10). */
  async createPermission(peer: TransportAddress, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertAllocated()
    await this.bindings.permit(peer, options.signal)
  }

  /** Binds a channel to `peer` (RFC 8656 §12); data to it then goes as ChannelData. Returns the number. */
  async bindChannel(peer: TransportAddress, options: { signal?: AbortSignal } = {}): Promise<number> {
    this.assertAllocated()
    return this.bindings.bind(peer, options.signal)
  }

  /** Sends `data` to `peer` through the relay: ChannelData when a channel is bound, else a Send indication. */
  send(peer: TransportAddress, data: Uint8Array): void {
    this.assertAllocated()
    const channel = this.bindings.channelOf(peer)
    if (channel != null) {
      this.link?.write(encodeChannelData(channel, data, this.init.transport === 'tcp'))
      return
    }
    this.link?.indicate(TurnMethod.SEND, (id) => [
      ...peerAttributes(peer, id),
      attribute(TurnAttributeType.DATA, data),
    ])
  }

  /** RFC 6062 §4.3: asks the server to open a TCP connection to `peer`; resolves with its CONNECTION-ID. */
  async connectPeer(peer: TransportAddress, options: { signal?: AbortSignal } = {}): Promise<number> {
    this.assertAllocated()
    const response = await this.authenticator.request(
      TurnMethod.CONNECT,
      (id) => peerAttributes(peer, id),
      options.signal,
    )
    const id = findOther(response, TurnAttributeType.CONNECTION_ID)
    if (id == null || id.length !== 4)
      throw errorForCode(500, 'the Connect response has no CONNECTION-ID', 'Connect')
    return new DataView(id.buffer, id.byteOffset, 4).getUint32(0)
  }

  /** The signing state a ConnectionBind on another connection needs (RFC 6062 §4.3). */
  authAttributes(): { attributes: Attribute[]; key?: Uint8Array } {
    return this.authenticator.attributes()
  }

  /** Takes the NONCE (and REALM) of a 438 seen elsewhere (a ConnectionBind). */
  updateNonce(response: Message): void {
    this.authenticator.updateNonce(response)
  }

  /** Deletes the allocation (Refresh with LIFETIME 0, best effort), clears every timer, closes the link. */
  async close(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) return
    const link = this.link
    if (this.allocation != null && link != null) {
      await this.authenticator
        .request(
          TurnMethod.REFRESH,
          () => [attribute(TurnAttributeType.LIFETIME, u32(0))],
          options.signal,
          2_000,
        )
        .catch((err) => this.log.trace('deleting the allocation failed: %e', err))
    }
    this.shutdown()
  }

  private shutdown(error?: Error): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.allocationTimer)
    this.bindings.close()
    this.allocation = undefined
    this.link?.close()
    this.dispatchEvent(new CustomEvent('close', { detail: { error } }))
  }

  private onLinkClose(err?: Error): void {
    if (!this.closed) this.log('the link to the TURN server ended: %s', err?.message)
    this.shutdown(err)
  }

  private assertAllocated(): void {
    if (this.closed) throw new TurnClosedError()
    if (this.allocation == null) throw new TurnClosedError('allocate() first')
  }

  private scheduleRefresh(lifetime: number): void {
    clearTimeout(this.allocationTimer)
    if (lifetime <= 0 || this.closed) return
    const margin = Math.min(this.init.refreshMargin ?? 60, lifetime / 2)
    this.allocationTimer = setTimeout(
      () => {
        this.refresh().catch((err) => {
          this.log('refreshing the allocation failed: %e', err)
          this.shutdown(err as Error)
        })
      },
      (lifetime - margin) * 1000,
    )
  }

  private onIndication(message: Message): void {
    if (message.method === TurnMethod.DATA) {
      const peer = xorAddressOf(message, TurnAttributeType.XOR_PEER_ADDRESS)
      const data = findOther(message, TurnAttributeType.DATA)
      if (peer == null || data == null) return
      this.dispatchEvent(new CustomEvent('data', { detail: { peer, data } }))
    } else if (message.method === TurnMethod.CONNECTION_ATTEMPT) {
      const peer = xorAddressOf(message, TurnAttributeType.XOR_PEER_ADDRESS)
      const id = findOther(message, TurnAttributeType.CONNECTION_ID)
      if (peer == null || id == null || id.length !== 4) return
      const connectionId = new DataView(id.buffer, id.byteOffset, 4).getUint32(0)
      this.dispatchEvent(new CustomEvent('connection-attempt', { detail: { peer, connectionId } }))
    }
  }

  private onChannelData(frame: ChannelData): void {
    const peer = this.bindings.peerOf(frame.channel)
    if (peer == null) return
    this.dispatchEvent(new CustomEvent('data', { detail: { peer, data: frame.data } }))
  }
}
