import { delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { type RaceRung, raceRungs } from './ladder-race.js'

interface Result {
  name: string
  limited: boolean
}

interface Plan {
  ms: number
  fail?: boolean
  limited?: boolean
  skip?: boolean
  timeout?: number
}

function rungs(plans: Record<string, Plan>, log: string[]): Array<RaceRung<Result>> {
  return Object.entries(plans).map(([name, plan]) => ({
    name,
    timeout: plan.timeout ?? 1_000,
    canTry: () => plan.skip !== true,
    attempt: async (signal) => {
      log.push(`start ${name}`)
      try {
        await delay(plan.ms, { signal })
      } catch (err) {
        log.push(`abort ${name}`)
        throw err
      }
      if (plan.fail === true) throw new Error(`${name} failed`)
      return { name, limited: plan.limited === true }
    },
  }))
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
}

async function race(plans: Record<string, Plan>, extra: { stagger?: number; limitedWait?: number } = {}) {
  const log: string[] = []
  const surplus: string[] = []
  const before = timers()
  const result = await raceRungs(rungs(plans, log), {
    signal: new AbortController().signal,
    stagger: extra.stagger ?? 50,
    limitedWait: extra.limitedWait,
    isLimited: (r) => r.limited,
    onSurplus: (r) => surplus.push(r.name),
  })
  return { result, log, surplus, before }
}

describe('raceRungs', () => {
  it('takes a quick first rung and never starts the others', async () => {
    const { result, log } = await race({ direct: { ms: 5 }, relay: { ms: 5, limited: true } })
    expect(result.rung).toBe('direct')
    expect(log).toEqual(['start direct'])
    expect(result.rungs.map((r) => r.outcome)).toEqual(['connected', 'not-reached'])
  })

  it('moves on at once when a rung fails, without waiting for the stagger', async () => {
    const started = performance.now()
    const { result } = await race({ direct: { ms: 5, fail: true }, punch: { ms: 5 } }, { stagger: 5_000 })
    expect(result.rung).toBe('punch')
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(result.rungs[0]).toMatchObject({ name: 'direct', outcome: 'failed', error: 'direct failed' })
  })

  it('starts the next rung after the stagger while a slow one runs, and aborts the loser', async () => {
    const { result, log } = await race({ direct: { ms: 500 }, punch: { ms: 10 } }, { stagger: 30 })
    expect(result.rung).toBe('punch')
    await delay(5)
    expect(log).toEqual(['start direct', 'start punch', 'abort direct'])
    expect(result.rungs[0]?.outcome).toBe('aborted')
    expect(result.rungs[1]?.startedAt).toBeGreaterThanOrEqual(25)
  })

  it('holds a relayed result until the rungs above it give up', async () => {
    const { result, log } = await race(
      { direct: { ms: 150, fail: true }, relay: { ms: 5, limited: true }, turn: { ms: 5, limited: true } },
      { stagger: 10 },
    )
    expect(result.rung).toBe('relay')
    expect(result.ms).toBeGreaterThanOrEqual(140)
    // nothing below the relayed connection is started once it is there
    expect(log).not.toContain('start turn')
    expect(result.rungs.map((r) => r.outcome)).toEqual(['failed', 'connected', 'not-reached'])
  })

  it('lets a direct result from a rung above beat a held relayed one, which goes to onSurplus', async () => {
    const { result, surplus } = await race(
      { punch: { ms: 100 }, relay: { ms: 5, limited: true } },
      { stagger: 10 },
    )
    expect(result.rung).toBe('punch')
    expect(surplus).toEqual(['relay'])
  })

  it('takes the relayed result after limitedWait, aborting the rung still trying', async () => {
    const { result, log } = await race(
      { punch: { ms: 2_000 }, relay: { ms: 5, limited: true } },
      { stagger: 10, limitedWait: 50 },
    )
    expect(result.rung).toBe('relay')
    expect(result.ms).toBeLessThan(1_000)
    await delay(5)
    expect(log).toContain('abort punch')
    expect(result.rungs[0]?.outcome).toBe('aborted')
  })

  it('reports a rung that ran out of time and climbs on', async () => {
    const { result } = await race({ direct: { ms: 1_000, timeout: 30 }, relay: { ms: 5, limited: true } })
    expect(result.rung).toBe('relay')
    expect(result.rungs[0]).toMatchObject({ outcome: 'timeout' })
    expect(result.rungs[0]?.ms).toBeLessThan(500)
  })

  it('skips the rungs that cannot try, and fails with every error when all that tried failed', async () => {
    const log: string[] = []
    const attempt = raceRungs(
      rungs(
        { direct: { ms: 1, fail: true }, reverse: { ms: 1, skip: true }, relay: { ms: 1, fail: true } },
        log,
      ),
      { signal: new AbortController().signal, stagger: 10, isLimited: () => false },
    )
    await expect(attempt).rejects.toMatchObject({ name: 'LadderFailedError', errors: [{}, {}] })
    expect(log).toEqual(['start direct', 'start relay'])
  })

  it('fails with no errors when every rung was skipped', async () => {
    const attempt = raceRungs(rungs({ direct: { ms: 1, skip: true } }, []), {
      signal: new AbortController().signal,
      stagger: 10,
      isLimited: () => false,
    })
    await expect(attempt).rejects.toMatchObject({ name: 'LadderFailedError', errors: [] })
  })

  it('gives up when the dial is aborted and leaves no timer behind', async () => {
    const before = timers()
    const controller = new AbortController()
    const log: string[] = []
    const attempt = raceRungs(rungs({ direct: { ms: 5_000 }, relay: { ms: 5_000 } }, log), {
      signal: controller.signal,
      stagger: 10,
      limitedWait: 1_000,
      isLimited: () => false,
    })
    await delay(40)
    controller.abort(new Error('caller gave up'))
    await expect(attempt).rejects.toThrow('caller gave up')
    await delay(10)
    expect(log).toEqual(['start direct', 'start relay', 'abort direct', 'abort relay'])
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('leaves no timer behind after a win', async () => {
    const { before } = await race(
      { punch: { ms: 100 }, relay: { ms: 5, limited: true } },
      { limitedWait: 5_000 },
    )
    await delay(10)
    expect(timers()).toBeLessThanOrEqual(before)
  })
})
