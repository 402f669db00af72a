/**
 * Our requests waiting for a reply, keyed by the request's nonce: a reply
 * must name it (`inReplyTo`), come from the peer asked and carry the reply
 * type expected. Bounded: at most `max` at once. Each ends on its reply or
 * its signal (a timeout, the caller's abort or stop()).
 */
import type { PeerId } from '@libp2p/interface'
import { TooManyRequestsError, UnsolicitedReplyError } from './errors.js'
import { type OpenedSignal, randomNonce } from './signal.js'

interface Pending {
  peer: PeerId
  type: string
  resolve(reply: OpenedSignal): void
  reject(err: Error): void
}

export interface OpenRequest {
  nonce: Uint8Array
  reply: Promise<OpenedSignal>
  cancel(): void
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

export class Requests {
  private readonly pending = new Map<string, Pending>()

  constructor(private readonly max: number) {}

  get size(): number {
    return this.pending.size
  }

  open(peer: PeerId, replyType: string, signal: AbortSignal): OpenRequest {
    signal.throwIfAborted()
    if (this.pending.size >= this.max)
      throw new TooManyRequestsError(`expected at most ${this.max} requests waiting, got one more`)
    const nonce = randomNonce()
    const key = hex(nonce)
    let onAbort = (): void => {}
    const reply = new Promise<OpenedSignal>((resolve, reject) => {
      const done = (): void => {
        this.pending.delete(key)
        signal.removeEventListener('abort', onAbort)
      }
      onAbort = () => {
        done()
        reject(signal.reason)
      }
      this.pending.set(key, {
        peer,
        type: replyType,
        resolve: (value) => {
          done()
          resolve(value)
        },
        reject: (err) => {
          done()
          reject(err)
        },
      })
      signal.addEventListener('abort', onAbort, { once: true })
    })
    // a cancelled request's promise has no reader: its rejection must not go unhandled
    reply.catch(() => {})
    return { nonce, reply, cancel: () => onAbort() }
  }

  /** Hands a reply to its request; `UnsolicitedReplyError` when none matches. */
  settle(reply: OpenedSignal): void {
    const key = reply.inReplyTo === undefined ? '' : hex(reply.inReplyTo)
    const pending = this.pending.get(key)
    if (pending === undefined || !pending.peer.equals(reply.from) || pending.type !== reply.type) {
      throw new UnsolicitedReplyError(
        `a ${reply.type} from ${reply.from.toString()} answers no request of ours`,
      )
    }
    pending.resolve(reply)
  }

  rejectAll(err: Error): void {
    for (const pending of [...this.pending.values()]) pending.reject(err)
  }
}
