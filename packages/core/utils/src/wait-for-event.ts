import type { MessageStream, StreamCloseEvent } from '@libp2p/interface'
import { StreamClosedError } from './errors.js'

/** Resolves on the next `type` event; rejects if the target closes first. */
export async function waitForEvent(
  target: Pick<MessageStream, 'addEventListener' | 'removeEventListener'>,
  type: 'idle' | 'drain',
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onEvent = (): void => {
      target.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = (evt: StreamCloseEvent): void => {
      target.removeEventListener(type, onEvent)
      reject(evt.error ?? new StreamClosedError('stream closed'))
    }
    target.addEventListener(type, onEvent, { once: true })
    target.addEventListener('close', onClose, { once: true })
  })
}
