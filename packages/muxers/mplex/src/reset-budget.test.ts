import { describe, expect, it } from 'vitest'
import { ResetBudget } from './reset-budget.js'

describe('ResetBudget', () => {
  it('allows max resets per window and refuses the next', () => {
    let now = 1_000
    const budget = new ResetBudget(3, 100, () => now)
    expect([budget.record(), budget.record(), budget.record()]).toEqual([true, true, true])
    now += 99
    expect(budget.record()).toBe(false)
  })

  it('starts a new window once the old one has passed', () => {
    let now = 1_000
    const budget = new ResetBudget(2, 100, () => now)
    budget.record()
    budget.record()
    now += 100
    expect(budget.record()).toBe(true)
    expect(budget.record()).toBe(true)
    expect(budget.record()).toBe(false)
  })
})
