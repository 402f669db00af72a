/**
 * The close of the connection below a yamux session after a fatal error:
 * graceful, so our GoAway reaches the remote, but bounded in time.
 */
import type { MessageStream } from '@libp2p/interface'
import { anySignal } from '@weft/utils'

/** How long closing the connection after a fatal error may take before it is aborted. */
export const CONNECTION_CLOSE_TIMEOUT = 5_000

/** Closes `conn` after the fatal error `err` (if any), aborting it with that error if the close fails or takes too long. */
export function closeConnectionAfterError(conn: MessageStream, err?: Error): void {
  if (conn.status !== 'open') return
  const signal = anySignal([], CONNECTION_CLOSE_TIMEOUT)
  conn
    .close({ signal })
    .catch((closeErr: Error) => conn.abort(err ?? closeErr))
    .finally(() => signal.clear())
}
