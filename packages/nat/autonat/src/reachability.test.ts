import { describe, expect, it } from 'vitest'
import { ReachabilityTracker } from './reachability.js'

describe('ReachabilityTracker', () => {
  it('stays unknown until threshold votes agree', () => {
    const tracker = new ReachabilityTracker({ threshold: 3 })
    expect(tracker.vote('a', true)).toBe('unknown')
    expect(tracker.vote('b', true)).toBe('unknown')
    expect(tracker.vote('c', true)).toBe('public')
  })

  it('counts one vote per server, the latest', () => {
    const tracker = new ReachabilityTracker({ threshold: 2 })
    tracker.vote('a', false)
    expect(tracker.vote('a', false)).toBe('unknown')
    expect(tracker.vote('b', false)).toBe('private')
    tracker.vote('a', true)
    expect(tracker.status).toBe('unknown')
  })

  it('needs the agreeing side to outnumber the other', () => {
    const tracker = new ReachabilityTracker({ threshold: 2, window: 8 })
    tracker.vote('a', true)
    tracker.vote('b', true)
    tracker.vote('c', false)
    tracker.vote('d', false)
    expect(tracker.status).toBe('unknown')
    tracker.vote('e', false)
    expect(tracker.status).toBe('private')
  })

  it('forgets the oldest server beyond its window, and everything on reset', () => {
    const tracker = new ReachabilityTracker({ threshold: 1, window: 2 })
    tracker.vote('a', false)
    tracker.vote('b', true)
    tracker.vote('c', true)
    expect(tracker.status).toBe('public')
    tracker.reset()
    expect(tracker.status).toBe('unknown')
  })
})
