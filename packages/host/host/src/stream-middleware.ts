/**
 * The registrar's stream middleware, run in order before a protocol's
 * handler: each gets a `next` that calls the following one.
 */
import type { Connection as ConnectionInterface, Stream, StreamMiddleware } from '@libp2p/interface'

/**
 * Calls each middleware with a `next` that calls the following one, the last
 * `next` calling `handler`; resolves when the handler (if reached) settles.
 */
export async function runWithMiddleware(
  middleware: StreamMiddleware[],
  stream: Stream,
  connection: ConnectionInterface,
  handler: (stream: Stream, connection: ConnectionInterface) => void | Promise<void>,
): Promise<void> {
  let handled: Promise<void> | undefined
  const call = (index: number, s: Stream, c: ConnectionInterface): void | Promise<void> => {
    const current = middleware[index]
    if (current == null) {
      handled = Promise.resolve().then(() => handler(s, c))
      return handled
    }
    return current(s, c, (nextStream, nextConnection) => {
      const result = call(index + 1, nextStream, nextConnection)
      if (result instanceof Promise) result.catch(() => {})
    })
  }
  await call(0, stream, connection)
  if (handled != null) await handled
}
