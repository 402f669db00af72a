/**
 * One check for every numeric flag of every command: a value out of range is
 * a `CliError` (one line, exit 1) naming the flag as the person typed it. The
 * integer rule is @weft/utils' `checkInteger`, as the packages' own options use.
 */
import { checkInteger } from '@weft/utils'
import { CliError } from '../errors.js'

/** An integer flag from `min` to `max`: `--count must be an integer from 1 to 1000, got 0`. */
export function checkIntegerFlag(name: string, value: number, min: number, max: number): number {
  try {
    return checkInteger(`--${name}`, value, min, max)
  } catch (err) {
    throw new CliError((err as Error).message)
  }
}

/** A number flag (seconds, a rate) from `min` to `max`: `--duration must be 1 to 86400, got 0`. */
export function checkNumberFlag(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new CliError(`--${name} must be ${min} to ${max}, got ${value}`)
  }
  return value
}
