/** The AutoNAT v1 service's options with their defaults, each written once and checked. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { AutoNATInit } from './types.js'

export type AutoNATConfig = Required<AutoNATInit>

export function resolveConfig(init: AutoNATInit = {}): AutoNATConfig {
  return {
    server: init.server ?? true,
    dialTimeout: checkPositive('dialTimeout', init.dialTimeout ?? 15_000),
    maxConcurrentDialBacks: checkInteger('maxConcurrentDialBacks', init.maxConcurrentDialBacks ?? 4),
    maxAddressesPerRequest: checkInteger('maxAddressesPerRequest', init.maxAddressesPerRequest ?? 16),
    // DialBudget checks these two
    maxDialBacksPerPeer: init.maxDialBacksPerPeer ?? 3,
    maxDialBacksPerMinute: init.maxDialBacksPerMinute ?? 30,
    allowPrivateAddresses: init.allowPrivateAddresses ?? false,
    threshold: checkInteger('threshold', init.threshold ?? 3),
    refreshInterval: checkNonNegative('refreshInterval', init.refreshInterval ?? 15 * 60_000),
    maxServersPerRound: checkInteger('maxServersPerRound', init.maxServersPerRound ?? 4),
    requestTimeout: checkPositive('requestTimeout', init.requestTimeout ?? 30_000),
    maxKnownServers: checkInteger('maxKnownServers', init.maxKnownServers ?? 64),
  }
}
