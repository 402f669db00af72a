import { InvalidMessageError, StreamBufferError, TimeoutError } from '@libp2p/interface'
import { MessageTooLargeError } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import {
  browserCloseCode,
  CloseCode,
  closeCodeFor,
  closeReason,
  describeCloseCode,
  isCleanClose,
} from './close-codes.js'

describe('close codes', () => {
  it('calls 1000, 1001 and 1005 clean and everything else a reset', () => {
    expect([1000, 1001, 1005].every(isCleanClose)).toBe(true)
    expect([1002, 1003, 1006, 1009, 1011, 4000, 3000].some(isCleanClose)).toBe(false)
  })

  it('names the codes it knows', () => {
    expect(describeCloseCode(1009)).toBe('1009 (message too big)')
    expect(describeCloseCode(1006)).toBe('1006 (abnormal closure, no close frame)')
    expect(describeCloseCode(4321)).toBe('4321')
  })

  it('picks the code that tells the remote why we abort', () => {
    expect(closeCodeFor(new MessageTooLargeError(10, 5))).toBe(CloseCode.MESSAGE_TOO_BIG)
    expect(closeCodeFor(new InvalidMessageError('text'))).toBe(CloseCode.UNSUPPORTED_DATA)
    expect(closeCodeFor(new StreamBufferError('full'))).toBe(CloseCode.ABORTED)
    expect(closeCodeFor(new TimeoutError('slow'))).toBe(CloseCode.ABORTED)
  })

  it('maps codes a browser may not send into the private range', () => {
    expect(browserCloseCode(1000)).toBe(1000)
    expect(browserCloseCode(4001)).toBe(4001)
    expect(browserCloseCode(3000)).toBe(3000)
    expect(browserCloseCode(1001)).toBe(4000)
    expect(browserCloseCode(1009)).toBe(4000)
  })

  it('cuts reasons to 123 bytes of UTF-8 without splitting a character', () => {
    expect(closeReason('short')).toBe('short')
    const long = 'é'.repeat(100) // 200 bytes
    const cut = closeReason(long)
    expect(new TextEncoder().encode(cut).byteLength).toBe(122)
    expect(cut).toBe('é'.repeat(61))
    expect(new TextEncoder().encode(closeReason('x'.repeat(500))).byteLength).toBe(123)
  })
})
