/**
 * An app's messages: `on`/`off` handlers by kind, `send` to one peer (a
 * stream of the app's msg protocol, so the sender is the peer at the other
 * end of the authenticated connection) or to all (the app's topic, signed by
 * its author), and the receiving side of both, rate-limited per sending peer.
 * Messages also travel over relayed (limited) connections: a chat needs a few
 * bytes, and behind two NATs the relay may be the only path.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { isPeerId } from '@libp2p/interface'
import { peerIdFromString } from '@weft/peer-id'
import { decodeEnvelope, encodeEnvelope, type Json, maxEnvelopeBytes } from './codec.js'
import { readFrame, StreamReader, writeFrame } from './frames.js'
import { openStream, type PlaygroundHost } from './host-config.js'
import type { MessageHandler, SendOptions } from './options.js'
import type { PeerRateLimiter } from './rate-limit.js'

export interface MessagesInit {
  host: PlaygroundHost
  /** the app's direct-message protocol */
  protocol: string
  /** the app's topic for messages to all */
  topic: string
  maxPayloadBytes: number
  limiter: PeerRateLimiter
  log: Logger
}

export class Messages {
  private readonly handlers = new Map<string, Set<MessageHandler>>()

  constructor(private readonly init: MessagesInit) {}

  on(kind: string, handler: MessageHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<MessageHandler>()
    this.handlers.set(kind, set)
    set.add(handler)
    return () => this.off(kind, handler)
  }

  off(kind: string, handler: MessageHandler): void {
    this.handlers.get(kind)?.delete(handler)
  }

  /** Checks and encodes before anything is sent; to one peer over a stream, else to the app's topic. */
  async send(kind: string, payload: Json, options: SendOptions = {}): Promise<void> {
    const { host } = this.init
    const bytes = encodeEnvelope(kind, payload, this.init.maxPayloadBytes)
    if (options.to == null) {
      await host.services.pubsub.publish(this.init.topic, bytes)
      return
    }
    const peer: PeerId = isPeerId(options.to) ? options.to : peerIdFromString(options.to)
    const signal = options.signal ?? AbortSignal.timeout(10_000)
    const stream = await openStream(host, peer, this.init.protocol, signal)
    try {
      await writeFrame(stream, bytes, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** The handler of the app's msg protocol: one message a stream. */
  async receiveDirect(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    if (!this.init.limiter.take(from)) {
      this.init.log('rate limit: dropping a direct message from %s', from)
      stream.abort(new Error('rate limited'))
      return
    }
    const limit = maxEnvelopeBytes(this.init.maxPayloadBytes)
    const reader = new StreamReader(stream, { maxBufferLength: limit + 16 })
    try {
      const signal = AbortSignal.timeout(10_000)
      const bytes = await readFrame(reader, limit, { signal })
      await stream.close({ signal }).catch(() => {})
      const envelope = decodeEnvelope(bytes, this.init.maxPayloadBytes)
      this.dispatch(envelope.kind, envelope.payload, from, true)
    } catch (err) {
      this.init.log('bad direct message from %s: %s', from, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  /** A message to all from `from` (its signer), already rate-limited by the caller. */
  receiveTopic(data: Uint8Array, from: string): void {
    try {
      const envelope = decodeEnvelope(data, this.init.maxPayloadBytes)
      this.dispatch(envelope.kind, envelope.payload, from, false)
    } catch (err) {
      this.init.log('bad message from %s: %s', from, (err as Error).message)
    }
  }

  private dispatch(kind: string, payload: Json, from: string, direct: boolean): void {
    for (const handler of this.handlers.get(kind) ?? []) {
      callSafely(this.init.log, () => handler(payload, from, { kind, direct }))
    }
  }
}

/** Runs a user's handler; what it throws is logged, never passed on. */
export function callSafely(log: Logger, call: () => void): void {
  try {
    call()
  } catch (err) {
    log('a handler threw: %s', (err as Error).message)
  }
}
