/**
 * The checks on what arrives, in the order that keeps a flood cheap: the
 * global budget, then signature, seal and expiry (signal.ts), then replays,
 * then the sender's own budget. Each refusal is a typed error.
 */
import type { MqttSignallingConfig } from './config.js'
import { SignalRateLimitError } from './errors.js'
import { KeyedRateLimiter, TokenBucket } from './rate-limiter.js'
import { ReplayCache } from './replay-cache.js'
import { type OpenedSignal, openSignal, type SealKeys } from './signal.js'

export type InboundLimits = Pick<
  MqttSignallingConfig,
  | 'replayCacheSize'
  | 'clockSkew'
  | 'maxTtl'
  | 'maxMessageSize'
  | 'senderRate'
  | 'senderBurst'
  | 'maxTrackedSenders'
  | 'globalRate'
  | 'globalBurst'
>

export class InboundChecks {
  private readonly replays: ReplayCache
  private readonly senders: KeyedRateLimiter
  private global: TokenBucket

  constructor(private readonly limits: InboundLimits) {
    this.replays = new ReplayCache(limits.replayCacheSize, limits.clockSkew)
    this.senders = new KeyedRateLimiter(limits.senderRate, limits.senderBurst, limits.maxTrackedSenders)
    this.global = new TokenBucket(limits.globalRate, limits.globalBurst, Date.now())
  }

  /** A full global budget, at start. */
  start(now: number): void {
    this.global = new TokenBucket(this.limits.globalRate, this.limits.globalBurst, now)
  }

  stop(): void {
    // the replay cache outlives a restart: a message accepted before stop() must not be accepted after start()
    this.senders.clear()
  }

  /** Spends the global budget, then verifies and unseals `bytes`. */
  open(bytes: Uint8Array, keys: SealKeys, now: number): OpenedSignal {
    // the global budget is spent before any crypto: it bounds what a flood of junk costs
    if (!this.global.take(now)) throw new SignalRateLimitError('over the global inbound rate')
    return openSignal(bytes, {
      keys,
      now,
      maxSize: this.limits.maxMessageSize,
      maxTtl: this.limits.maxTtl,
      clockSkew: this.limits.clockSkew,
    })
  }

  /** Refuses a replay of `opened`, then spends its sender's budget. */
  admit(opened: OpenedSignal, now: number): void {
    const sender = opened.from.toString()
    // replays first: a replayed genuine message must not spend its sender's budget
    this.replays.remember(`${sender}/${Buffer.from(opened.nonce).toString('hex')}`, opened.expiry, now)
    // after the signature: a forger cannot spend someone else's budget either
    if (!this.senders.take(sender, now)) throw new SignalRateLimitError(`${sender} is over its rate`)
  }
}
