import { describe, expect, it } from 'vitest'
import { Rounds } from './rounds.js'

describe("the responder's rounds", () => {
  it('answers `attempts` rounds per relayed connection, then refuses; a closed connection is forgotten', () => {
    const rounds = new Rounds({ attempts: 2, maxConcurrent: 4, maxConnections: 8 })
    expect(rounds.refusal('a', 'c1')).toBeUndefined()
    expect([rounds.count('c1'), rounds.count('c1'), rounds.count('c1')]).toEqual([true, true, false])
    expect(rounds.refusal('a', 'c1')).toBe('no more than 2 rounds per connection')
    expect(rounds.refusal('a', 'c2')).toBeUndefined()
    rounds.forget('c1')
    expect(rounds.refusal('a', 'c1')).toBeUndefined()
  })

  it('one round per peer: a new one cancels the one in flight, and only the newest ends it', () => {
    const rounds = new Rounds({ attempts: 3, maxConcurrent: 4, maxConnections: 8 })
    const first = rounds.begin('a', new Error('replaced'))
    const second = rounds.begin('a', new Error('replaced'))
    expect(first.signal.aborted).toBe(true)
    expect(second.signal.aborted).toBe(false)
    rounds.end('a', first)
    expect(rounds.has('a')).toBe(true)
    rounds.end('a', second)
    expect(rounds.has('a')).toBe(false)
  })

  it('bounds the peers answered at once and the connections remembered; clear cancels everything', () => {
    const rounds = new Rounds({ attempts: 3, maxConcurrent: 2, maxConnections: 2 })
    const a = rounds.begin('a', new Error('x'))
    rounds.begin('b', new Error('x'))
    expect(rounds.refusal('c', 'c9')).toBe('2 hole punches in progress')
    // a peer already being answered may start its next round
    expect(rounds.refusal('a', 'c1')).toBeUndefined()
    rounds.count('c1')
    rounds.count('c2')
    rounds.end('b', rounds.begin('b', new Error('x')))
    expect(rounds.refusal('c', 'c3')).toBe('too many relayed connections with rounds in progress')
    rounds.clear(new Error('stopped'))
    expect(a.signal.aborted).toBe(true)
    expect(rounds.refusal('c', 'c3')).toBeUndefined()
  })
})
