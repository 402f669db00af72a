/** Counters of the signalling service, and how a rejection is classed. */

export type RejectReason =
  | 'forged'
  | 'replayed'
  | 'expired'
  | 'malformed'
  | 'tooLarge'
  | 'rateLimited'
  | 'unsolicited'
  | 'internal'

export interface SignallingStats {
  /** messages published (each to every connected broker) */
  sent: number
  /** MQTT messages that arrived on our topic */
  received: number
  /** messages that passed every check */
  accepted: number
  /** refused messages, by reason; `replayed` includes a copy of an accepted message through a second broker */
  rejected: Record<RejectReason, number>
}

export function emptyStats(): SignallingStats {
  return {
    sent: 0,
    received: 0,
    accepted: 0,
    rejected: {
      forged: 0,
      replayed: 0,
      expired: 0,
      malformed: 0,
      tooLarge: 0,
      rateLimited: 0,
      unsolicited: 0,
      internal: 0,
    },
  }
}

const REASONS: Record<string, RejectReason> = {
  InvalidSignatureError: 'forged',
  ReplayedSignalError: 'replayed',
  ExpiredSignalError: 'expired',
  InvalidSignalError: 'malformed',
  UnsealFailedError: 'malformed',
  SignalTooLargeError: 'tooLarge',
  SignalRateLimitError: 'rateLimited',
  UnsolicitedReplyError: 'unsolicited',
}

export function rejectReason(error: Error): RejectReason {
  return REASONS[error.name] ?? 'internal'
}
