import { describe, expect, it } from 'vitest'
import { SequenceList } from '../src/sequence-list.js'

describe('SequenceList', () => {
  it('matches a plain filtered array through pushes, deletions and compactions', () => {
    const list = new SequenceList<{ sequence: number }>()
    let model: Array<{ sequence: number }> = []
    let seed = 1
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % below
    }
    let sequence = 0
    for (let step = 0; step < 5000; step++) {
      if (model.length === 0 || random(3) > 0) {
        sequence += 1 + random(3)
        const item = { sequence }
        list.push(item)
        model.push(item)
      } else {
        const item = model[random(model.length)]!
        list.delete(item)
        list.delete(item)
        model = model.filter((each) => each !== item)
      }
      if (step % 97 === 0) {
        const after = random(sequence + 1)
        expect([...list.after(after)]).toEqual(model.filter((each) => each.sequence > after))
        expect(list.size).toBe(model.length)
      }
    }
    expect([...list.after(0)]).toEqual(model)
  })

  it('lets the caller delete while iterating, and refuses an item out of order', () => {
    const list = new SequenceList<{ sequence: number }>()
    const items = Array.from({ length: 200 }, (_, index) => ({ sequence: index + 1 }))
    for (const item of items) list.push(item)
    const seen: number[] = []
    for (const item of list.after(0)) {
      seen.push(item.sequence)
      list.delete(item)
    }
    expect(seen).toHaveLength(200)
    expect(list.size).toBe(0)
    expect(() => list.push({ sequence: 200 })).toThrow(RangeError)
    list.clear()
    list.push({ sequence: 1 })
    expect([...list.after(0)]).toEqual([{ sequence: 1 }])
  })
})
