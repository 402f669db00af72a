/**
 * What we send: each message signed, sealed to its recipient and published
 * to the recipient's topic on every connected broker; a request waits for
 * the reply that names its nonce (requests.ts), a reply names the nonce of
 * the request it answers.
 */
import type { AbortOptions, Logger, PeerId, PrivateKey } from '@libp2p/interface'
import { anySignal } from '@weft/utils'
import type { BrokerPool } from './broker-pool.js'
import type { MqttSignallingConfig } from './config.js'
import { MAX_TYPE_LENGTH } from './envelope.js'
import { SignallingStoppedError, SignalTooLargeError } from './errors.js'
import { RESERVED_PREFIX } from './messages.js'
import { Requests } from './requests.js'
import { createSignal, type OpenedSignal, type SignalMessage } from './signal.js'

export interface OutboxOptions {
  peerId: PeerId
  privateKey: PrivateKey
  brokers: BrokerPool
  config: Pick<
    MqttSignallingConfig,
    'topicPrefix' | 'messageTtl' | 'maxMessageSize' | 'requestTimeout' | 'maxPendingRequests'
  >
  log: Logger
  /** called for every message published */
  onSent(): void
}

export class Outbox {
  private readonly requests: Requests
  private running = false
  /** ends our requests and replies; replaced on every start */
  private shutdown = new AbortController().signal

  constructor(private readonly options: OutboxOptions) {
    this.requests = new Requests(options.config.maxPendingRequests)
  }

  /** The topic a peer listens on. */
  topicOf(peerId: PeerId): string {
    return `${this.options.config.topicPrefix}/${peerId.toString()}`
  }

  start(shutdown: AbortSignal): void {
    this.shutdown = shutdown
    this.running = true
  }

  /** Refuses further sends and ends every request waiting for a reply with `error`. */
  stop(error: Error): void {
    this.running = false
    this.requests.rejectAll(error)
  }

  /** An application message: its type may not be one of ours (`RESERVED_PREFIX`). */
  async send(peerId: PeerId, message: SignalMessage, options: AbortOptions = {}): Promise<void> {
    if (
      typeof message.type !== 'string' ||
      message.type === '' ||
      Buffer.byteLength(message.type) > MAX_TYPE_LENGTH ||
      message.type.startsWith(RESERVED_PREFIX)
    ) {
      throw new RangeError(
        `type: expected 1 to ${MAX_TYPE_LENGTH} bytes not starting with ${RESERVED_PREFIX}, got ${String(message.type)}`,
      )
    }
    await this.publish(peerId, message, undefined, options)
  }

  /** Sends `message` and resolves with the peer's reply of `replyType`; bounded by `requestTimeout`. */
  async request(
    peerId: PeerId,
    message: SignalMessage,
    replyType: string,
    options: AbortOptions,
  ): Promise<OpenedSignal> {
    const signal = anySignal([options.signal, this.shutdown], this.options.config.requestTimeout)
    try {
      const pending = this.requests.open(peerId, replyType, signal)
      try {
        await this.publish(peerId, message, undefined, { signal }, pending.nonce)
      } catch (err) {
        pending.cancel()
        throw err
      }
      return await pending.reply
    } finally {
      signal.clear()
    }
  }

  /** Hands a reply to its request; `UnsolicitedReplyError` when none matches. */
  settle(reply: OpenedSignal): void {
    this.requests.settle(reply)
  }

  /** Answers `request`, best effort: a failure is only logged. */
  reply(request: OpenedSignal, message: SignalMessage): void {
    this.publish(request.from, message, request.nonce, { signal: this.shutdown }).catch((err: Error) => {
      this.options.log('replying %s to %p failed: %s', message.type, request.from, err.message)
    })
  }

  private async publish(
    peerId: PeerId,
    message: SignalMessage,
    inReplyTo: Uint8Array | undefined,
    options: AbortOptions,
    nonce?: Uint8Array,
  ): Promise<void> {
    if (!this.running) throw new SignallingStoppedError('the signalling service is not started')
    options.signal?.throwIfAborted()
    const { bytes } = createSignal({
      from: this.options.peerId,
      privateKey: this.options.privateKey,
      to: peerId,
      message,
      expiry: Date.now() + this.options.config.messageTtl,
      nonce,
      inReplyTo,
    })
    if (bytes.byteLength > this.options.config.maxMessageSize)
      throw new SignalTooLargeError(bytes.byteLength, this.options.config.maxMessageSize)
    await this.options.brokers.publish(this.topicOf(peerId), bytes, options.signal)
    this.options.onSent()
  }
}
