/**
 * The host's start and stop sequences. Start: the peer store, discovery and
 * the connection manager, then every startable module's `beforeStart` and
 * `start`, then the listeners (once every service has registered its
 * handlers), then `afterStart`. Stop mirrors it and carries on past a module
 * that fails, so no socket or timer is left behind.
 */
import { isStartable, type Logger, type Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { UnmetServiceDependenciesError } from './errors.js'
import type { HostParts } from './host-parts.js'
import { findUnmetDependency, providerHint } from './internal/service-dependencies.js'

/** The parts the sequences start and stop. */
export type LifecycleParts = Pick<
  HostParts,
  'peerStore' | 'discovery' | 'connectionManager' | 'transportManager' | 'modules'
>

/**
 * Throws when a module needs a capability no other module provides; run
 * before anything starts (a DHT without identify would otherwise run and find
 * nothing).
 *
 * @throws UnmetServiceDependenciesError
 */
export function checkDependencies(parts: Pick<LifecycleParts, 'modules'>): void {
  const unmet = findUnmetDependency(parts.modules)
  if (unmet != null) {
    throw new UnmetServiceDependenciesError(unmet.service, unmet.capability, providerHint(unmet.capability))
  }
}

/** Starts everything and listens on `listen`; on failure the caller stops what started. */
export async function startParts(parts: LifecycleParts, listen: Multiaddr[]): Promise<void> {
  const startables = startablesOf(parts)
  await parts.peerStore.start()
  parts.discovery.start()
  parts.connectionManager.start()
  await Promise.all(startables.map(async (module) => module.beforeStart?.()))
  await Promise.all(startables.map(async (module) => module.start()))
  // listen only once every service has registered its handlers
  await parts.transportManager.listen(listen)
  await Promise.all(startables.map(async (module) => module.afterStart?.()))
}

/** Stops everything; failures are logged and the sequence carries on. */
export async function stopParts(parts: LifecycleParts, log: Logger): Promise<void> {
  const startables = startablesOf(parts)
  await settleAll(
    startables.map(async (module) => module.beforeStop?.()),
    log,
  )
  parts.discovery.stop()
  await parts.transportManager.stop()
  await parts.connectionManager.stop()
  await settleAll(
    startables.map(async (module) => module.stop()),
    log,
  )
  await settleAll(
    startables.map(async (module) => module.afterStop?.()),
    log,
  )
  await parts.peerStore.stop().catch((err: Error) => log.error('peer store: %s', err.message))
}

function startablesOf(parts: Pick<LifecycleParts, 'modules'>): Startable[] {
  return parts.modules
    .map(({ module }) => module)
    .filter((module): module is Startable => isStartable(module))
}

/** Waits for every promise and logs failures: stopping carries on past a failing module. */
async function settleAll(promises: Array<Promise<unknown>>, log: Logger): Promise<void> {
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === 'rejected')
      log.error('a module failed to stop: %s', (result.reason as Error)?.message)
  }
}
