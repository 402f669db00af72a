/**
 * How a transport hands a fresh connection to the upgrader, in both
 * directions. The upgrader owns the rest: it bounds an inbound upgrade by
 * its own timeout (`@libp2p/interface`: "regular transports should just pass
 * the signal from their shutdown controller") and weft's upgrader aborts a
 * connection whose upgrade failed. A transport only logs the failure.
 *
 * js-libp2p's upgrader leaves a failed connection open for the transport to
 * end (its transports abort it), so an upgrader that left it open gets it
 * aborted here, once: the only transport-side abort of a failed upgrade.
 */
import type {
  Connection,
  Logger,
  MultiaddrConnection,
  OutboundConnectionUpgradeEvents,
  Upgrader,
  UpgraderOptions,
} from '@libp2p/interface'

export interface InboundUpgradeOptions {
  /** aborts when the listener shuts down */
  shutdown: AbortSignal
  log: Logger
}

/** Hands an accepted connection to the upgrader; never rejects (the listener keeps serving others). */
export async function upgradeInbound(
  upgrader: Pick<Upgrader, 'upgradeInbound'>,
  connection: MultiaddrConnection,
  options: InboundUpgradeOptions,
): Promise<void> {
  try {
    await upgrader.upgradeInbound(connection, { signal: options.shutdown })
  } catch (err) {
    options.log.error(
      'upgrading the connection from %a failed: %s',
      connection.remoteAddr,
      (err as Error).message,
    )
    abortIfLeftOpen(connection, err as Error)
  }
}

/** Hands a dialled connection to the upgrader; rejects with the upgrader's error. */
export async function upgradeOutbound(
  upgrader: Pick<Upgrader, 'upgradeOutbound'>,
  connection: MultiaddrConnection,
  options: UpgraderOptions<OutboundConnectionUpgradeEvents>,
): Promise<Connection> {
  try {
    return await upgrader.upgradeOutbound(connection, options)
  } catch (err) {
    connection.log('upgrading the connection to %a failed: %s', connection.remoteAddr, (err as Error).message)
    abortIfLeftOpen(connection, err as Error)
    throw err
  }
}

/** Ends a connection whose upgrade failed, unless the upgrader already did (weft's always does). */
function abortIfLeftOpen(connection: MultiaddrConnection, err: Error): void {
  if (connection.status === 'open' || connection.status === 'closing') connection.abort(err)
}
