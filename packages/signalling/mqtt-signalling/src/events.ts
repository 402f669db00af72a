/** The events of the signalling service. */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { SignalMessage } from './signal.js'
import type { RejectReason } from './stats.js'

/** An application message that passed every check. */
export interface SignalEvent extends SignalMessage {
  from: PeerId
  /** ms since the epoch */
  expiry: number
}

export interface RejectEvent {
  reason: RejectReason
  error: Error
  /** known once the signature verified */
  from?: PeerId
}

export interface MqttSignallingEvents {
  message: CustomEvent<SignalEvent>
  reject: CustomEvent<RejectEvent>
  'broker:connect': CustomEvent<{ url: string }>
  'broker:disconnect': CustomEvent<{ url: string; error?: Error }>
  /** a dial-back we served (at the listener) */
  'dial-back': CustomEvent<{ peer: PeerId; ok: boolean; address?: Multiaddr; error?: string }>
}
