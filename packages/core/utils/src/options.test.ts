import { describe, expect, it } from 'vitest'
import { checkInteger, checkNonNegative, checkPositive } from './options.js'

describe('option checks', () => {
  it('return the value, so a default and its check sit on one line', () => {
    expect(checkInteger('maxStreams', 256, 1, 1024)).toBe(256)
    expect(checkPositive('timeout', 0.5)).toBe(0.5)
    expect(checkNonNegative('delay', 0)).toBe(0)
  })

  it('name the option, the range and what arrived', () => {
    expect(() => checkInteger('maxStreams', 0, 1, 1024)).toThrow(
      new RangeError('maxStreams must be an integer from 1 to 1024, got 0'),
    )
    expect(() => checkInteger('maxStreams', 1.5, 1)).toThrow(
      /must be an integer from 1 to 9007199254740991, got 1.5/,
    )
    expect(() => checkPositive('timeout', 0)).toThrow(
      new RangeError('timeout must be a positive finite number, got 0'),
    )
    expect(() => checkNonNegative('delay', -1)).toThrow(
      new RangeError('delay must be a non-negative finite number, got -1'),
    )
  })

  it('refuse NaN and infinities, which no timer or buffer can use', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkInteger('n', value)).toThrow(RangeError)
      expect(() => checkPositive('n', value)).toThrow(RangeError)
      expect(() => checkNonNegative('n', value)).toThrow(RangeError)
    }
  })
})
