import { describe, expect, it } from 'vitest'
import { TooManyInboundStreamsError } from './errors.js'
import type { YamuxStream } from './stream.js'
import { StreamTable } from './stream-table.js'

function fakeStream(streamId: number, direction: 'inbound' | 'outbound'): YamuxStream {
  return { streamId, direction, acknowledged: direction === 'inbound' } as YamuxStream
}

describe('StreamTable', () => {
  it('accepts inbound streams up to the limit, then refuses them', () => {
    const table = new StreamTable()
    expect(table.refusal(2)).toBeUndefined()
    table.add(fakeStream(2, 'inbound'))
    table.add(fakeStream(4, 'inbound'))
    expect(table.refusal(2)).toMatch(/2 inbound streams are open/)
    expect(table.refused).toBe(1)
  })

  it('throws when the remote keeps opening streams beyond the limit, and forgives once room is made', () => {
    const table = new StreamTable()
    const stream = fakeStream(2, 'inbound')
    table.add(stream)
    for (let i = 0; i < 64; i++) expect(table.refusal(1)).toBeDefined()
    table.remove(stream)
    expect(table.refused).toBe(0)
    table.add(fakeStream(4, 'inbound'))
    for (let i = 0; i < 64; i++) table.refusal(1)
    expect(() => table.refusal(1)).toThrow(TooManyInboundStreamsError)
  })

  it('bounds early streams and hands them out once, skipping closed ones', () => {
    const table = new StreamTable()
    const a = fakeStream(2, 'inbound')
    const b = fakeStream(4, 'inbound')
    table.add(a, true)
    table.add(b, true)
    expect(table.refusal(10, 2)).toMatch(/wait for a 'stream' listener/)
    expect(table.refusal(10)).toBeUndefined()
    table.remove(a)
    expect(table.takeEarly()).toEqual([b])
    expect(table.takeEarly()).toEqual([])
  })

  it('releases an ACK backlog slot when an outbound stream is acknowledged or closes first', async () => {
    const table = new StreamTable()
    await table.backlog.acquire()
    await table.backlog.acquire()
    table.outbound = 2
    const acked = fakeStream(1, 'outbound')
    const unacked = fakeStream(3, 'outbound')
    table.add(acked)
    table.add(unacked)
    table.acknowledge(acked)
    table.acknowledge(acked)
    expect(table.backlog.size).toBe(1)
    table.remove(unacked)
    expect(table.backlog.size).toBe(0)
    table.remove(acked)
    expect(table.backlog.size).toBe(0)
    expect(table.outbound).toBe(0)
    expect(table.list()).toEqual([])
  })
})
