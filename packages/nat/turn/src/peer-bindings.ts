/**
 * An allocation's permissions (RFC 8656 §10, one per peer IP) and channels
 * (§12, one per peer address), each kept alive on its own timer and bounded
 * in number. A channel binding installs a permission too, kept on the
 * permission timer.
 */
import type { Logger } from '@libp2p/interface'
import { type TransportAddress, TurnAttributeType, TurnMethod } from '@weft/stun'
import type { TurnRequest } from './authenticator.js'
import { TurnLimitError } from './errors.js'
import { MAX_CHANNEL, MIN_CHANNEL } from './framing.js'
import { attribute, peerAttributes } from './wire.js'

export interface PeerBindingsInit {
  /** the authenticated request to the server */
  request: TurnRequest
  maxPermissions: number
  maxChannels: number
  /** ms between permission refreshes */
  permissionRefresh: number
  /** ms between channel refreshes */
  channelRefresh: number
  log: Logger
}

const key = (peer: TransportAddress): string => `${peer.address}|${peer.port}`

export class PeerBindings {
  private closed = false
  /** peer IP → its refresh timer */
  private readonly permissions = new Map<string, ReturnType<typeof setInterval>>()
  /** "ip|port" → channel number, and back */
  private readonly channels = new Map<string, { channel: number; timer: ReturnType<typeof setInterval> }>()
  private readonly peersByChannel = new Map<number, TransportAddress>()
  private nextChannel = MIN_CHANNEL

  constructor(private readonly init: PeerBindingsInit) {}

  /** Installs (and keeps refreshing) a permission for `peer`'s IP. */
  async permit(peer: TransportAddress, signal?: AbortSignal): Promise<void> {
    const existing = this.permissions.has(peer.address)
    if (!existing && this.permissions.size >= this.init.maxPermissions)
      throw new TurnLimitError(`already ${this.permissions.size} permissions`)
    await this.init.request(TurnMethod.CREATE_PERMISSION, (id) => peerAttributes(peer, id), signal)
    if (existing || this.closed) return
    const timer = setInterval(() => {
      this.permit(peer).catch((err) =>
        this.init.log('refreshing the permission for %s failed: %e', peer.address, err),
      )
    }, this.init.permissionRefresh)
    this.permissions.set(peer.address, timer)
  }

  /** Binds a channel to `peer` (and keeps it bound); returns the number. */
  async bind(peer: TransportAddress, signal?: AbortSignal): Promise<number> {
    const bound = this.channels.get(key(peer))
    if (bound != null) return bound.channel
    if (this.channels.size >= this.init.maxChannels || this.nextChannel > MAX_CHANNEL)
      throw new TurnLimitError(`already ${this.channels.size} channels`)
    const channel = this.nextChannel++
    await this.channelBind(channel, peer, signal)
    if (this.closed) return channel
    const timer = setInterval(() => {
      this.channelBind(channel, peer).catch((err) =>
        this.init.log('refreshing channel 0x%s failed: %e', channel.toString(16), err),
      )
    }, this.init.channelRefresh)
    this.channels.set(key(peer), { channel, timer })
    this.peersByChannel.set(channel, peer)
    // a channel binding installs a permission too; keep it alive on the permission timer
    if (!this.permissions.has(peer.address)) await this.permit(peer, signal)
    return channel
  }

  /** The channel bound to `peer`, if any. */
  channelOf(peer: TransportAddress): number | undefined {
    return this.channels.get(key(peer))?.channel
  }

  /** The peer `channel` is bound to, if any. */
  peerOf(channel: number): TransportAddress | undefined {
    return this.peersByChannel.get(channel)
  }

  /** Clears every timer; nothing is refreshed or installed afterwards. */
  close(): void {
    this.closed = true
    for (const timer of this.permissions.values()) clearInterval(timer)
    for (const { timer } of this.channels.values()) clearInterval(timer)
    this.permissions.clear()
    this.channels.clear()
    this.peersByChannel.clear()
  }

  private async channelBind(channel: number, peer: TransportAddress, signal?: AbortSignal): Promise<void> {
    await this.init.request(
      TurnMethod.CHANNEL_BIND,
      (id) => [
        attribute(TurnAttributeType.CHANNEL_NUMBER, Uint8Array.of(channel >> 8, channel & 0xff, 0, 0)),
        ...peerAttributes(peer, id),
      ],
      signal,
    )
  }
}
