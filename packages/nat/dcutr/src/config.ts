/** The DCUtR service's options with their defaults, each written once and checked. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { DCUtRInit } from './types.js'

export type DCUtRConfig = Required<Omit<DCUtRInit, 'natInfo'>> & Pick<DCUtRInit, 'natInfo'>

export function resolveConfig(init: DCUtRInit = {}): DCUtRConfig {
  return {
    attempts: checkInteger('attempts', init.attempts ?? 3, 1),
    punchTimeout: checkPositive('punchTimeout', init.punchTimeout ?? 5_000),
    exchangeTimeout: checkPositive('exchangeTimeout', init.exchangeTimeout ?? 10_000),
    // any negative value keeps the relayed connection open
    relayGracePeriod: init.relayGracePeriod ?? 5_000,
    maxConcurrentUpgrades: checkInteger('maxConcurrentUpgrades', init.maxConcurrentUpgrades ?? 16, 1),
    maxAddresses: checkInteger('maxAddresses', init.maxAddresses ?? 4, 1),
    unilateral: init.unilateral ?? true,
    allowPrivateAddresses: init.allowPrivateAddresses ?? false,
    natInfo: init.natInfo,
    quicHeadStart: checkNonNegative('quicHeadStart', init.quicHeadStart ?? 500),
    predictionWindow: checkInteger('predictionWindow', init.predictionWindow ?? 6, 1),
    upgradeRetries: checkInteger('upgradeRetries', init.upgradeRetries ?? 2),
    upgradeRetryDelay: checkPositive('upgradeRetryDelay', init.upgradeRetryDelay ?? 10_000),
    rungTimeout: checkPositive('rungTimeout', init.rungTimeout ?? 10_000),
  }
}
