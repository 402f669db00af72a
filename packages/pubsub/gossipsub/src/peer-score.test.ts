import { describe, expect, it } from 'vitest'
import { PeerScore } from './peer-score.js'
import { DEFAULT_TOPIC_PARAMS, defaultScoreParams, type TopicScoreParams } from './score-params.js'

function clock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const topic = (overrides: Partial<TopicScoreParams> = {}): TopicScoreParams => ({
  ...DEFAULT_TOPIC_PARAMS,
  ...overrides,
})

describe('PeerScore', () => {
  it('P1 grows with time in mesh up to its cap', () => {
    const c = clock()
    const score = new PeerScore(
      defaultScoreParams({
        topics: { t: topic({ timeInMeshWeight: 1, timeInMeshQuantum: 1000, timeInMeshCap: 5 }) },
      }),
      { now: c.now },
    )
    score.addPeer('p')
    score.graft('p', 't')
    c.advance(3000)
    expect(score.score('p')).toBeCloseTo(3)
    c.advance(10_000)
    expect(score.score('p')).toBeCloseTo(5)
    score.prune('p', 't')
    expect(score.score('p')).toBe(0)
  })

  it('P2 rewards first deliveries, capped, and decays each interval', () => {
    const c = clock()
    const params = defaultScoreParams({
      topics: {
        t: topic({
          timeInMeshWeight: 0,
          firstMessageDeliveriesWeight: 1,
          firstMessageDeliveriesCap: 3,
          firstMessageDeliveriesDecay: 0.5,
        }),
      },
      topicScoreCap: 100,
    })
    const score = new PeerScore(params, { now: c.now })
    score.addPeer('p')
    for (let i = 0; i < 5; i++) {
      score.validateMessage(`m${i}`, 'p', 't')
      score.deliverMessage(`m${i}`, 'p')
    }
    expect(score.score('p')).toBe(3)
    c.advance(1000)
    score.refresh()
    expect(score.score('p')).toBe(1.5)
  })

  it('P3 penalises a mesh peer delivering below the threshold once active, and P3b sticks after prune', () => {
    const c = clock()
    const params = defaultScoreParams({
      topics: {
        t: topic({
          timeInMeshWeight: 0,
          firstMessageDeliveriesWeight: 0,
          meshMessageDeliveriesWeight: -1,
          meshMessageDeliveriesThreshold: 4,
          meshMessageDeliveriesActivation: 2000,
          meshFailurePenaltyWeight: -1,
        }),
      },
    })
    const score = new PeerScore(params, { now: c.now })
    score.addPeer('p')
    score.graft('p', 't')
    expect(score.score('p')).toBe(0)
    score.validateMessage('m', 'p', 't')
    score.deliverMessage('m', 'p')
    c.advance(2500)
    score.refresh()
    // deliveries decayed to 0.9 after one interval… and two more: below threshold 4
    expect(score.score('p')).toBeLessThan(-9)
    score.prune('p', 't')
    expect(score.score('p')).toBeLessThan(-9)
  })

  it('P4 punishes invalid messages quadratically, including peers that forwarded the same invalid message', () => {
    const c = clock()
    const score = new PeerScore(defaultScoreParams({ topics: { t: topic({ timeInMeshWeight: 0 }) } }), {
      now: c.now,
    })
    score.addPeer('a')
    score.addPeer('b')
    score.validateMessage('bad', 'a', 't')
    score.duplicateMessage('bad', 'b', 't')
    score.rejectMessage('a', 't', 'bad')
    expect(score.score('a')).toBe(-10)
    expect(score.score('b')).toBe(-10)
    score.rejectMessage('a', 't')
    score.rejectMessage('a', 't')
    expect(score.score('a')).toBe(-90)
    c.advance(1000)
    score.refresh()
    expect(score.score('a')).toBeCloseTo(-22.5)
  })

  it('P5, P6 and P7 add to the topic score', () => {
    const c = clock()
    const params = defaultScoreParams({
      appSpecificScore: () => 1,
      appSpecificWeight: 2,
      IPColocationFactorThreshold: 1,
      IPColocationFactorWeight: -3,
      behaviourPenaltyWeight: -1,
    })
    const score = new PeerScore(params, { now: c.now })
    score.addPeer('a', undefined, ['10.0.0.1'])
    // P5 needs a peer id to ask about: without one it is 0
    expect(score.score('a')).toBe(0)
    score.addPeer('b', undefined, ['10.0.0.1'])
    score.addPeer('c', undefined, ['10.0.0.1'])
    // three peers on one IP, threshold 1: surplus 2 → 4 · −3
    expect(score.score('a')).toBe(-12)
    score.addPenalty('a', 3)
    expect(score.score('a')).toBe(-21)
  })

  it('retains a negative score across a reconnect, and forgets it after retainScore', () => {
    const c = clock()
    const score = new PeerScore(defaultScoreParams({ retainScore: 10_000, behaviourPenaltyDecay: 0.99 }), {
      now: c.now,
    })
    score.addPeer('p')
    score.addPenalty('p', 5)
    score.removePeer('p')
    score.addPeer('p')
    expect(score.score('p')).toBeLessThan(0)
    score.removePeer('p')
    c.advance(11_000)
    score.refresh()
    expect(score.trackedPeers).toBe(0)
    score.addPeer('p')
    expect(score.score('p')).toBe(0)
  })

  it('scores a bounded number of topics per peer; penalties past it go to P7', () => {
    const score = new PeerScore(defaultScoreParams(), { now: () => 0, maxTopicsPerPeer: 2 })
    score.addPeer('p')
    score.rejectMessage('p', 'a')
    score.rejectMessage('p', 'b')
    expect(score.score('p')).toBe(-20)
    // a third topic: P7 instead (1 penalty → 1² · −10)
    score.rejectMessage('p', 'c')
    expect(score.score('p')).toBe(-30)
  })

  it('rejects parameters out of range', () => {
    expect(() => defaultScoreParams({ behaviourPenaltyWeight: 1 })).toThrow(RangeError)
    expect(() => defaultScoreParams({ topics: { t: topic({ invalidMessageDeliveriesWeight: 1 }) } })).toThrow(
      RangeError,
    )
  })
})
