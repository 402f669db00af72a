import { describe, expect, it } from 'vitest'
import { DialBudget } from './dial-budget.js'

describe('DialBudget', () => {
  it('grants one dial-back per peer at a time', () => {
    const budget = new DialBudget({ perPeer: 5 })
    expect(budget.take('a', 0)).toBeUndefined()
    expect(budget.take('a', 1)).toMatch(/in progress/)
    expect(budget.take('b', 1)).toBeUndefined()
    budget.release('a')
    expect(budget.take('a', 2)).toBeUndefined()
  })

  it('caps dial-backs per peer and in all per window, then starts over', () => {
    const budget = new DialBudget({ perPeer: 2, total: 3, window: 1_000 })
    const grant = (peer: string, now: number) => {
      const refusal = budget.take(peer, now)
      if (refusal == null) budget.release(peer)
      return refusal == null
    }
    expect([grant('a', 0), grant('a', 1), grant('a', 2)]).toEqual([true, true, false])
    expect([grant('b', 3), grant('c', 4)]).toEqual([true, false])
    expect([grant('a', 1_000), grant('c', 1_001)]).toEqual([true, true])
  })

  it('remembers a bounded number of peers per window', () => {
    const budget = new DialBudget({ total: 100, maxPeers: 2 })
    for (const peer of ['a', 'b']) {
      expect(budget.take(peer, 0)).toBeUndefined()
      budget.release(peer)
    }
    expect(budget.take('c', 0)).toMatch(/too many peers/)
    expect(budget.take('a', 0)).toBeUndefined()
  })
})
