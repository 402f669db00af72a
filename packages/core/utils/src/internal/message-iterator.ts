/**
 * `for await` over an `AbstractMessageStream`: its `'message'` events go
 * into a bounded queue, and the stream is paused while the consumer falls
 * behind (resumed once the queue drains below its low-water mark).
 */
import type {
  MessageStream,
  MessageStreamReadStatus,
  StreamCloseEvent,
  StreamMessageEvent,
} from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { IteratorQueue } from './iterator-queue.js'

/** The part of a stream its iterator uses (`AbstractMessageStream` has it all). */
export interface IterableMessageStream
  extends Pick<MessageStream, 'status' | 'pause' | 'resume' | 'addEventListener' | 'removeEventListener'> {
  readonly readStatus: MessageStreamReadStatus
  readonly readableEnded: boolean
  readonly maxReadBufferLength: number
}

/**
 * Reads `stream` until it ends. `takeReadBuffer` empties the stream's read
 * buffer and returns what it held (undefined when empty): bytes handed back
 * with `unshift()` just before a clean close have not been dispatched yet.
 */
export async function* iterateMessages(
  stream: IterableMessageStream,
  takeReadBuffer: () => Uint8ArrayList | undefined,
): AsyncGenerator<Uint8Array | Uint8ArrayList> {
  if (stream.readableEnded || (stream.readStatus !== 'readable' && stream.readStatus !== 'paused')) return
  const queue = new IteratorQueue<Uint8Array | Uint8ArrayList>(stream.maxReadBufferLength)
  let pausedByUs = false
  const onMessage = (evt: StreamMessageEvent): void => {
    if (queue.push(evt.data) && stream.readStatus === 'readable') {
      stream.pause()
      pausedByUs = true
    }
  }
  // after a reset or abort the 'close' event that follows carries the error
  const onEnd = (): void => {
    if (stream.status !== 'reset' && stream.status !== 'aborted') queue.end()
  }
  const onClose = (evt: StreamCloseEvent): void => {
    // bytes handed back with unshift() just before a clean close have not
    // been dispatched yet (that waits for a microtask): they are still ours
    if (evt.error == null) {
      const rest = takeReadBuffer()
      if (rest != null) queue.push(rest)
    }
    queue.end(evt.error)
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onClose)
  try {
    while (true) {
      const next = await queue.next()
      if (next === undefined) return
      if (pausedByUs && queue.isBelowLowWater() && stream.readStatus === 'paused') {
        pausedByUs = false
        stream.resume()
      }
      yield next
    }
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onClose)
    if (pausedByUs && stream.readStatus === 'paused') stream.resume()
  }
}
