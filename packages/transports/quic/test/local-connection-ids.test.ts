import { describe, expect, it } from 'vitest'
import { LOCAL_CONNECTION_ID_CAP, LocalConnectionIds } from '../src/connection/local-connection-ids.js'
import {
  encodeStatelessReset,
  endsWithToken,
  isOwnConnectionId,
  MIN_RESET_SIZE,
  newConnectionId,
  newResetKey,
  ResetLimiter,
  resetToken,
} from '../src/connection/stateless-reset.js'
import { TransportErrorCode } from '../src/errors.js'

const codeOf = (run: () => unknown): number | undefined => {
  try {
    run()
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

function issuer(peerLimit: number) {
  const key = newResetKey()
  const handshakeId = newConnectionId(key, 8)
  const ids = new LocalConnectionIds(handshakeId, key)
  return { key, handshakeId, ids, frames: ids.issue(peerLimit) }
}

describe('LocalConnectionIds (RFC 9000 §5.1.1, §19.15, §19.16)', () => {
  it('issues up to min(active_connection_id_limit, the local cap) − 1 spares, numbered from 1, with tokens of the key', () => {
    expect(issuer(2).frames.map((frame) => frame.sequence)).toEqual([1])
    expect(issuer(3).frames.map((frame) => frame.sequence)).toEqual([1, 2])
    const { key, ids, frames } = issuer(1000)
    expect(frames).toHaveLength(LOCAL_CONNECTION_ID_CAP - 1)
    expect(ids.size).toBe(LOCAL_CONNECTION_ID_CAP)
    for (const frame of frames) {
      expect(frame.connectionId).toHaveLength(8)
      expect(frame.retirePriorTo).toBe(0)
      expect(frame.statelessResetToken).toEqual(resetToken(key, frame.connectionId))
      expect(isOwnConnectionId(key, frame.connectionId)).toBe(true)
    }
    // issuing again adds nothing: the peer already holds its limit
    expect(ids.issue(1000)).toEqual([])
  })

  it('replaces a retired ID with the next sequence number, keeping the count; a repeated retirement changes nothing', () => {
    const { handshakeId, ids, frames } = issuer(4)
    const spare = frames[0]?.connectionId as Uint8Array
    const outcome = ids.retire(0, spare)
    expect(outcome.retired).toEqual(handshakeId)
    expect(outcome.replacement?.sequence).toBe(4)
    expect(ids.size).toBe(4)
    expect(ids.isActive(0)).toBe(false)
    expect(ids.retire(0, spare)).toEqual({})
    expect(ids.size).toBe(4)
    // a long churn never grows the set
    for (let sequence = 1; sequence < 40; sequence++) ids.retire(sequence, undefined)
    expect(ids.size).toBe(4)
  })

  it('a sequence number never issued is PROTOCOL_VIOLATION', () => {
    const { ids } = issuer(2)
    expect(codeOf(() => ids.retire(2, undefined))).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
    expect(ids.size).toBe(2)
  })

  it('retiring the ID the packet was sent to is PROTOCOL_VIOLATION', () => {
    const { handshakeId, ids } = issuer(2)
    expect(codeOf(() => ids.retire(0, handshakeId.slice()))).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
    expect(ids.isActive(0)).toBe(true)
  })

  it('an endpoint that issues nothing replaces nothing', () => {
    const key = newResetKey()
    const ids = new LocalConnectionIds(newConnectionId(key, 8), key)
    expect(ids.issuing).toBe(false)
    expect(ids.retire(0, undefined).replacement).toBeUndefined()
    expect(ids.size).toBe(0)
  })
})

describe('stateless reset (RFC 9000 §10.3)', () => {
  it('tokens are 16 bytes, stable per key and ID, and differ across keys and IDs', () => {
    const [a, b] = [newResetKey(), newResetKey()]
    const id = newConnectionId(a, 8)
    expect(resetToken(a, id)).toHaveLength(16)
    expect(resetToken(a, id)).toEqual(resetToken(a, id.slice()))
    expect(resetToken(b, id)).not.toEqual(resetToken(a, id))
    expect(resetToken(a, newConnectionId(a, 8))).not.toEqual(resetToken(a, id))
  })

  it('only IDs made under the key are recognized', () => {
    const key = newResetKey()
    expect(isOwnConnectionId(key, newConnectionId(key, 8))).toBe(true)
    expect(isOwnConnectionId(newResetKey(), newConnectionId(key, 8))).toBe(false)
    expect(isOwnConnectionId(key, new Uint8Array(8))).toBe(false)
  })

  it('a new ID is never one already in use', () => {
    const key = newResetKey()
    const taken: Uint8Array[] = []
    // the first two draws are refused as taken
    const id = newConnectionId(key, 8, (candidate) => {
      if (taken.length >= 2) return false
      taken.push(candidate)
      return true
    })
    expect(taken).toHaveLength(2)
    expect(taken).not.toContainEqual(id)
    expect(isOwnConnectionId(key, id)).toBe(true)
  })

  it('a reset is a short header ending with the token, shorter than its trigger, never below 21 bytes', () => {
    const token = resetToken(newResetKey(), new Uint8Array(8))
    for (const trigger of [22, 30, 44, 100, 1200]) {
      const reset = encodeStatelessReset(token, trigger) as Uint8Array
      expect(reset.length).toBeLessThan(trigger)
      expect(reset.length).toBeGreaterThanOrEqual(MIN_RESET_SIZE)
      expect((reset[0] as number) & 0xc0).toBe(0x40)
      expect(endsWithToken(reset, token)).toBe(true)
    }
    // a trigger of 21 bytes or less could be a reset itself: no answer, no loop (§10.3.3)
    expect(encodeStatelessReset(token, 21)).toBeUndefined()
    expect(encodeStatelessReset(token, 5)).toBeUndefined()
    // a reset of ours bounced back is never answered: each answer is shorter, down to nothing
    let length = 1200
    let rounds = 0
    for (let reset = encodeStatelessReset(token, length); reset != null; rounds++) {
      length = reset.length
      reset = encodeStatelessReset(token, length)
    }
    expect(rounds).toBeLessThan(60)
    expect(endsWithToken(new Uint8Array(40), token)).toBe(false)
  })

  it('the limiter lets 10 resets out at once, then about 10 a second', () => {
    const limiter = new ResetLimiter(10, 0)
    let sent = 0
    for (let i = 0; i < 100; i++) if (limiter.take(0)) sent++
    expect(sent).toBe(10)
    expect(limiter.take(50)).toBe(false)
    expect(limiter.take(100)).toBe(true)
    for (let i = 0; i < 100; i++) if (limiter.take(1100)) sent++
    expect(sent).toBe(20)
  })
})
