import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodePacketNumber, packetNumberLength, truncatePacketNumber } from '../src/packet-number.js'

describe('packet numbers (RFC 9000 §17.1, Appendix A)', () => {
  it('picks the lengths of the RFC 9000 §17.1 example', () => {
    expect(packetNumberLength(0xac5c02, 0xabe8b3)).toBe(2)
    expect(packetNumberLength(0xace8fe, 0xabe8b3)).toBe(3)
    expect(packetNumberLength(0, -1)).toBe(1)
  })

  it('recovers the RFC 9000 Appendix A.3 example', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 2)).toBe(0xa82f9b32)
  })

  it('handles both ends of the window', () => {
    expect(decodePacketNumber(-1, 0, 1)).toBe(0)
    expect(decodePacketNumber(255, 0, 1)).toBe(256)
    expect(decodePacketNumber(300, 0xff, 1)).toBe(255)
    expect(decodePacketNumber(1000, 0xe8, 1)).toBe(1000)
  })

  it('truncation then recovery gives the full number whenever the length was chosen by the rule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        (largestAcked, ahead) => {
          const packetNumber = largestAcked + 1 + ahead
          const length = packetNumberLength(packetNumber, largestAcked)
          // the receiver has seen at least up to the largest acknowledged packet
          const largestReceived = largestAcked + Math.floor(ahead / 2)
          expect(
            decodePacketNumber(largestReceived, truncatePacketNumber(packetNumber, length), length),
          ).toBe(packetNumber)
        },
      ),
    )
  })
})
