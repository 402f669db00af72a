/**
 * What every listener does with a fresh inbound connection: hand it to the
 * upgrader under a bounded signal, and abort only that connection when the
 * upgrade fails. The listener keeps serving everyone else.
 */
import type { Logger, MultiaddrConnection, Upgrader } from '@libp2p/interface'
import { anySignal, type ClearableSignal } from './signals.js'

export interface InboundUpgradeOptions {
  /** aborts when the listener shuts down */
  shutdown: AbortSignal
  /** ms allowed when the upgrader offers no `createInboundAbortSignal` */
  upgradeTimeout: number
  log: Logger
}

export async function upgradeInbound(
  upgrader: Pick<Upgrader, 'upgradeInbound'> & Partial<Pick<Upgrader, 'createInboundAbortSignal'>>,
  connection: MultiaddrConnection,
  options: InboundUpgradeOptions,
): Promise<void> {
  const signal: ClearableSignal =
    typeof upgrader.createInboundAbortSignal === 'function'
      ? upgrader.createInboundAbortSignal(options.shutdown)
      : anySignal([options.shutdown], options.upgradeTimeout)
  try {
    await upgrader.upgradeInbound(connection, { signal })
  } catch (err) {
    options.log.error(
      'upgrading the connection from %a failed: %s',
      connection.remoteAddr,
      (err as Error).message,
    )
    connection.abort(err as Error)
  } finally {
    signal.clear()
  }
}
