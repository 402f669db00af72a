/**
 * The protocol-level harness itself: the host under attack starts in its own
 * process, answers pings and memory requests, reports no process error, and
 * stops.
 */
import { describe, expect, it } from 'vitest'
import { freshDials, pingWhile, startPeer, useTarget } from './harness.js'

const target = useTarget()

describe('the host under attack, unattacked', { timeout: 30_000 }, () => {
  it('serves pings and fresh peers, and reports its memory', async () => {
    const peer = await startPeer()
    await peer.dial(target().address)
    const pings = pingWhile(peer, target())
    await new Promise((resolve) => setTimeout(resolve, 500))
    const report = await pings.stop()
    expect(report.failures).toBe(0)
    expect(report.rtts.length).toBeGreaterThan(3)
    expect(await freshDials(target(), 3)).toBe(3)
    const memory = await target().memory()
    expect(memory.rss).toBeGreaterThan(memory.heapUsed)
    expect(target().processErrors()).toEqual([])
    expect(target().exited()).toBe(false)
  })
})
