/**
 * The receiving pipeline of `PubSubBase`: each message of an RPC gets its id,
 * the duplicate check (seen, being verified, being validated), the sender's
 * verification budget, the signature policy and the topic validator, in that
 * order. A received message's id is computed before its signature is checked,
 * so copies cost no verification, and each peer's verifications per window
 * are rationed. What happens to a message (score, forward, deliver) is the
 * shell's business, told through `MessageReceiverHooks`.
 */
import type { Logger } from '@libp2p/interface'
import type { RPC } from './codec.js'
import type { ValidationFailure } from './errors.js'
import {
  AuthorCache,
  defaultMsgId,
  type Message,
  type MsgIdFn,
  msgIdToString,
  parseMessage,
  type SignaturePolicy,
  type SignedMessage,
  StrictSign,
  type TopicValidatorFn,
  TopicValidatorResult,
  verifySignature,
} from './message.js'
import type { PeerStreams } from './peer-streams.js'
import type { SeenCache } from './seen-cache.js'
import type { PubSubCounters, ReceivedMessage } from './types.js'
import type { VerificationBudget } from './verification-budget.js'

/** peers remembered per message under verification, for P3 credit (the score keeps 64 too) */
const MAX_PEERS_PER_VERIFYING_MESSAGE = 64

/** What the receiver reads from, and tells, the service that owns it. */
export interface MessageReceiverHooks {
  /** false once the service stopped: pending work ends quietly */
  isStarted(): boolean
  /** we neither deliver nor relay topics we do not subscribe to */
  isSubscribed(topic: string): boolean
  onDuplicate(idString: string, from: PeerStreams, topic: string): void
  onFirstSeen(received: ReceivedMessage): void
  onRejected(
    from: PeerStreams,
    topic: string | undefined,
    failure: ValidationFailure,
    received?: ReceivedMessage,
  ): void
  onIgnored(received: ReceivedMessage): void
  onOverBudget(peer: PeerStreams, topic: string, penalise: boolean): void
  /** the message passed every check: deliver and relay it */
  onAccepted(received: ReceivedMessage): void
}

export interface MessageReceiverInit {
  signaturePolicy: SignaturePolicy
  msgIdFn: MsgIdFn
  seen: SeenCache
  budget: VerificationBudget
  topicValidators: Map<string, TopicValidatorFn>
  counters: PubSubCounters
  maxPendingValidations: number
  log: Logger
  hooks: MessageReceiverHooks
}

export class MessageReceiver {
  private readonly signaturePolicy: SignaturePolicy
  private readonly msgIdFn: MsgIdFn
  private readonly seen: SeenCache
  private readonly budget: VerificationBudget
  private readonly topicValidators: Map<string, TopicValidatorFn>
  private readonly counters: PubSubCounters
  private readonly maxPendingValidations: number
  private readonly log: Logger
  private readonly hooks: MessageReceiverHooks
  /** ids of messages past their signature check whose topic validation is running */
  private readonly validating = new Set<string>()
  /** ids of messages whose signature is being checked → other peers that sent a copy meanwhile */
  private readonly verifying = new Map<string, Set<PeerStreams>>()
  private readonly authors = new AuthorCache()

  constructor(init: MessageReceiverInit) {
    this.signaturePolicy = init.signaturePolicy
    this.msgIdFn = init.msgIdFn
    this.seen = init.seen
    this.budget = init.budget
    this.topicValidators = init.topicValidators
    this.counters = init.counters
    this.maxPendingValidations = init.maxPendingValidations
    this.log = init.log
    this.hooks = init.hooks
  }

  /** Forgets every message in flight and every budget (the service stopped). */
  clear(): void {
    this.verifying.clear()
    this.validating.clear()
    this.budget.clear()
  }

  /** Forgets a peer's verification budget (the peer left). */
  removePeer(key: string): void {
    this.budget.remove(key)
  }

  /**
   * Everything before the first `await` runs here, synchronously for the
   * whole RPC: the id comes from what the message claims (`parseMessage`, no
   * signature check), so a copy of a message seen, being verified or being
   * validated is dropped (and credited to its sender for P3) without any
   * verification; only then does the sender's verification budget pay for a
   * signature check.
   */
  receive(peer: PeerStreams, raw: RPC.Message): void {
    this.counters.received++
    // we neither deliver nor relay topics we do not subscribe to: drop before any work
    if (raw.topic == null || !this.hooks.isSubscribed(raw.topic)) {
      this.counters.ignored++
      return
    }
    const topic = raw.topic
    const signed = this.signaturePolicy === StrictSign
    // with the default id (from + seqno) a copy is recognised from its raw bytes, before any parsing;
    // parseMessage accepts only the canonical encoding of `from`, so the two ids agree
    if (signed && this.msgIdFn === defaultMsgId && raw.from != null && raw.seqno?.byteLength === 8) {
      if (this.dropCopy(peer, msgIdToString(raw.from) + msgIdToString(raw.seqno), topic)) return
    }
    // parsing an author we have not met costs a key decoding: it is paid from the budget too
    let charged = false
    if (signed && raw.from != null && !this.authors.has(raw.from)) {
      if (!this.chargeVerification(peer, topic)) return
      charged = true
    }
    const parsed = parseMessage(this.signaturePolicy, raw, this.authors)
    if ('failure' in parsed) {
      this.counters.rejected++
      this.hooks.onRejected(peer, topic, parsed.failure)
      return
    }
    const { message } = parsed
    let id: Uint8Array
    try {
      id = this.msgIdFn(message)
    } catch (err) {
      this.log('msgIdFn threw on a message from %p: %e', peer.id, err)
      this.counters.ignored++
      return
    }
    const idString = msgIdToString(id)
    if (this.dropCopy(peer, idString, topic)) return
    if (this.validating.size + this.verifying.size >= this.maxPendingValidations) {
      this.counters.droppedForLoad++
      return
    }
    if (message.type === 'signed' && !charged && !this.chargeVerification(peer, topic)) return
    const received: ReceivedMessage = { id, idString, raw, message, from: peer }
    let processing: Promise<void>
    if (message.type === 'unsigned') {
      processing = this.acceptNew(received)
    } else {
      this.verifying.set(idString, new Set())
      processing = this.verifyThenAccept(received, message)
    }
    processing.catch((err: Error) => this.log.error('processing a message failed: %e', err))
  }

  /** Whether message `idString` is seen, being verified or being validated: then the copy is counted and dropped. */
  private dropCopy(peer: PeerStreams, idString: string, topic: string): boolean {
    const verifying = this.verifying.get(idString)
    if (verifying != null) {
      // credited once the first copy checks out (a set: one entry per peer, bounded)
      this.counters.duplicates++
      if (verifying.size < MAX_PEERS_PER_VERIFYING_MESSAGE) verifying.add(peer)
      return true
    }
    if (this.seen.has(idString) || this.validating.has(idString)) {
      this.counters.duplicates++
      this.hooks.onDuplicate(idString, peer, topic)
      return true
    }
    return false
  }

  /** Takes one verification from `peer`'s budget; false (dropped, counted, maybe penalised) when none is left. */
  private chargeVerification(peer: PeerStreams, topic: string): boolean {
    const decision = this.budget.take(peer.key)
    if (decision === 'ok') return true
    this.counters.droppedOverBudget++
    this.hooks.onOverBudget(peer, topic, decision === 'drop-and-penalise')
    return false
  }

  private async verifyThenAccept(received: ReceivedMessage, message: SignedMessage): Promise<void> {
    const { idString, raw, from } = received
    let copies: Set<PeerStreams> | undefined
    let valid = false
    try {
      valid = await verifySignature(raw, message)
    } finally {
      // copies that arrived meanwhile were not verified: on failure they are simply dropped
      // (the id stays unseen, so a genuine copy arriving later is verified on its own)
      copies = this.verifying.get(idString)
      this.verifying.delete(idString)
    }
    if (!this.hooks.isStarted()) return
    if (!valid) {
      this.counters.rejected++
      this.hooks.onRejected(from, message.topic, 'invalid-signature')
      return
    }
    await this.acceptNew(received, copies)
  }

  /** A message that passed the signature policy and is new: mark it seen, run the topic validator, deliver, relay. */
  private async acceptNew(received: ReceivedMessage, copies?: Set<PeerStreams>): Promise<void> {
    const { idString, message, from } = received
    this.validating.add(idString)
    try {
      this.seen.add(idString)
      this.hooks.onFirstSeen(received)
      for (const peer of copies ?? []) {
        if (peer !== from) this.hooks.onDuplicate(idString, peer, message.topic)
      }
      const result = await this.runTopicValidator(from, message)
      if (!this.hooks.isStarted()) return
      if (result === TopicValidatorResult.Reject) {
        this.counters.rejected++
        this.hooks.onRejected(from, message.topic, 'topic-validator-rejected', received)
        return
      }
      if (result === TopicValidatorResult.Ignore) {
        this.counters.ignored++
        this.hooks.onIgnored(received)
        return
      }
      this.counters.accepted++
      this.hooks.onAccepted(received)
    } finally {
      this.validating.delete(idString)
    }
  }

  private async runTopicValidator(from: PeerStreams, message: Message): Promise<TopicValidatorResult> {
    const validator = this.topicValidators.get(message.topic)
    if (validator == null) return TopicValidatorResult.Accept
    try {
      return await validator(from.id, message)
    } catch (err) {
      this.log('topic validator for %s threw: %e', message.topic, err)
      return TopicValidatorResult.Reject
    }
  }
}
