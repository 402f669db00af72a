import { describe, expect, it } from 'vitest'
import { AckBacklog } from './ack-backlog.js'

describe('AckBacklog', () => {
  it('hands out slots up to the limit, then waits for a release', async () => {
    const backlog = new AckBacklog(2)
    await backlog.acquire()
    await backlog.acquire()
    expect(backlog.size).toBe(2)
    let third = false
    const waiting = backlog.acquire().then(() => {
      third = true
    })
    await Promise.resolve()
    expect(third).toBe(false)
    backlog.release()
    await waiting
    expect(third).toBe(true)
    expect(backlog.size).toBe(2)
  })

  it('gives up waiting on the signal without taking a slot', async () => {
    const backlog = new AckBacklog(1)
    await backlog.acquire()
    await expect(backlog.acquire({ signal: AbortSignal.timeout(5) })).rejects.toThrow()
    expect(backlog.size).toBe(1)
    backlog.release()
    await backlog.acquire()
    expect(backlog.size).toBe(1)
  })

  it('fails waiters and later callers once closed', async () => {
    const backlog = new AckBacklog(1)
    await backlog.acquire()
    const waiting = backlog.acquire()
    backlog.close(new Error('closed'))
    await expect(waiting).rejects.toThrow('closed')
    await expect(backlog.acquire()).rejects.toThrow('closed')
  })
})
