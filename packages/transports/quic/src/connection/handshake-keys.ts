/**
 * The packet keys the TLS handshake hands over (RFC 9001 §4.1.4): Handshake
 * keys go into their packet space at once; 1-RTT keys wait until both
 * directions are known, then become the first key phase (RFC 9001 §6).
 */
import { KeyPhase } from '../key-phase.js'
import { derivePacketKeys, type PacketKeys } from '../packet-keys.js'
import type { LossDetection } from '../recovery/loss-detection.js'
import type { HandshakeEvent } from '../tls/handshake-endpoint.js'
import type { PacketSpace } from './packet-space.js'

type KeysEvent = Extract<HandshakeEvent, { type: 'read-keys' | 'write-keys' }>

export class HandshakeKeys {
  private oneRttRead: PacketKeys | undefined
  private oneRttWrite: PacketKeys | undefined
  private paired = false

  constructor(
    private readonly handshake: PacketSpace,
    private readonly recovery: LossDetection,
  ) {}

  /** Installs one secret's keys; returns the 1-RTT key phase when this completes the pair (once). */
  install(event: KeysEvent): KeyPhase | undefined {
    const keys = derivePacketKeys(event.suite, event.secret)
    if (event.level === 'handshake') {
      if (event.type === 'read-keys') this.handshake.read = keys
      else this.handshake.write = keys
      this.recovery.handshakeKeysReady = true
    } else if (event.type === 'read-keys') this.oneRttRead = keys
    else this.oneRttWrite = keys
    if (this.oneRttRead == null || this.oneRttWrite == null || this.paired) return undefined
    this.paired = true
    return new KeyPhase(this.oneRttWrite, this.oneRttRead)
  }
}
