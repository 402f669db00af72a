/** The DCUtR service's options with their defaults, each written once and checked. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import { type BirthdayLimits, DEFAULT_BIRTHDAY, MAX_PROBES, MAX_SOCKETS, MAX_WINDOW } from './birthday.js'
import type { DCUtRInit } from './types.js'

export type DCUtRConfig = Required<Omit<DCUtRInit, 'natInfo' | 'birthday'>> &
  Pick<DCUtRInit, 'natInfo'> & { birthday: BirthdayLimits | false }

function birthdayLimits(init: DCUtRInit['birthday']): BirthdayLimits | false {
  if (init === false) return false
  const limits = { ...DEFAULT_BIRTHDAY, ...(init === true || init == null ? {} : init) }
  checkInteger('birthday.sockets', limits.sockets, 1, MAX_SOCKETS)
  checkInteger('birthday.probes', limits.probes, 1, MAX_PROBES)
  checkInteger('birthday.probesPerTick', limits.probesPerTick, 1)
  checkPositive('birthday.tickInterval', limits.tickInterval)
  checkPositive('birthday.timeout', limits.timeout)
  checkInteger('birthday.window', limits.window, 1, MAX_WINDOW)
  checkNonNegative('birthday.sequenceDelay', limits.sequenceDelay)
  return limits
}

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
    birthday: birthdayLimits(init.birthday),
    predictionWindow: checkInteger('predictionWindow', init.predictionWindow ?? 6, 1),
    upgradeRetries: checkInteger('upgradeRetries', init.upgradeRetries ?? 2),
    upgradeRetryDelay: checkPositive('upgradeRetryDelay', init.upgradeRetryDelay ?? 10_000),
    rungTimeout: checkPositive('rungTimeout', init.rungTimeout ?? 10_000),
  }
}
