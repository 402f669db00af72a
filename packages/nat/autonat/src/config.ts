/** The AutoNAT services' options (v1 and v2) with their defaults, each written once and checked. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { AutoNATInit } from './types.js'
import type { AutoNATv2Init } from './types-v2.js'

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

export type AutoNATv2Config = Required<AutoNATv2Init>

export function resolveV2Config(init: AutoNATv2Init = {}): AutoNATv2Config {
  const confidence = checkInteger('confidence', init.confidence ?? 3, 1)
  const resultsPerAddress = checkInteger('resultsPerAddress', init.resultsPerAddress ?? 5, 1)
  if (resultsPerAddress < confidence)
    throw new RangeError(
      `resultsPerAddress (${resultsPerAddress}) must be at least confidence (${confidence})`,
    )
  return {
    server: init.server ?? true,
    allowPrivateAddresses: init.allowPrivateAddresses ?? false,
    dialDataBytes: checkInteger('dialDataBytes', init.dialDataBytes ?? 30_000),
    maxDialDataBytes: checkInteger('maxDialDataBytes', init.maxDialDataBytes ?? 100_000),
    dialTimeout: checkPositive('dialTimeout', init.dialTimeout ?? 15_000),
    requestTimeout: checkPositive('requestTimeout', init.requestTimeout ?? 30_000),
    maxConcurrentDialBacks: checkInteger('maxConcurrentDialBacks', init.maxConcurrentDialBacks ?? 4),
    // DialBudget checks these two
    maxDialBacksPerPeer: init.maxDialBacksPerPeer ?? 3,
    maxDialBacksPerMinute: init.maxDialBacksPerMinute ?? 30,
    maxPendingChecks: checkInteger('maxPendingChecks', init.maxPendingChecks ?? 32),
    confidence,
    resultsPerAddress,
    maxTrackedAddresses: checkInteger('maxTrackedAddresses', init.maxTrackedAddresses ?? 64, 1),
  }
}
