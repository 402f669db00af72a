/**
 * One way to check a numeric option, for every package's `resolveConfig`:
 * each returns the value, so a default and its check sit on one line, and
 * throws a `RangeError` that names the option, says what was expected and
 * what arrived (`maxStreams must be an integer from 1 to 1024, got 0`).
 *
 * @example
 * ```ts
 * const maxStreams = checkInteger('maxStreams', init.maxStreams ?? 256, 1, 1024)
 * const timeout = checkPositive('timeout', init.timeout ?? 10_000)
 * ```
 */

/** An integer from `min` to `max` (safe integers by default). */
export function checkInteger(name: string, value: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

/** A finite number above 0: a duration in ms, a rate, a factor. */
export function checkPositive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`)
  }
  return value
}

/** A finite number of 0 or more: a delay that may be none, a count of bytes. */
export function checkNonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a non-negative finite number, got ${value}`)
  }
  return value
}
