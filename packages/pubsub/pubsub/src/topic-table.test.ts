import { describe, expect, it } from 'vitest'
import { TopicTable } from './topic-table.js'

describe('TopicTable', () => {
  it('tracks subscriptions both ways and reports changes only', () => {
    const table = new TopicTable(10)
    expect(table.subscribe('p', 'a')).toBe(true)
    expect(table.subscribe('p', 'a')).toBe(false)
    expect(table.subscribe('q', 'a')).toBe(true)
    expect([...(table.get('a') ?? [])]).toEqual(['p', 'q'])
    expect(table.unsubscribe('p', 'a')).toBe(true)
    expect(table.unsubscribe('p', 'a')).toBe(false)
    table.removePeer('q')
    expect(table.get('a')).toBeUndefined()
  })

  it('caps the topics of one peer', () => {
    const table = new TopicTable(2)
    expect(table.subscribe('p', 'a')).toBe(true)
    expect(table.subscribe('p', 'b')).toBe(true)
    expect(table.subscribe('p', 'c')).toBe(false)
    table.unsubscribe('p', 'a')
    expect(table.subscribe('p', 'c')).toBe(true)
    expect(table.subscribe('q', 'a')).toBe(true)
  })
})
