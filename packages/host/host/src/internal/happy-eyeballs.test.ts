import { delay } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { raceAttempts } from './happy-eyeballs.js'

interface Plan {
  ms: number
  ok: boolean
}

/** An attempt that settles after `ms` (or rejects when aborted), recording what happened. */
function scripted(plans: Record<string, Plan>) {
  const started: Array<{ item: string; at: number }> = []
  const aborted: string[] = []
  const t0 = Date.now()
  const attempt = async (item: string, signal: AbortSignal): Promise<string> => {
    started.push({ item, at: Date.now() - t0 })
    const plan = plans[item]!
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, plan.ms)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        aborted.push(item)
        reject(signal.reason)
      })
    })
    if (!plan.ok) throw new Error(`${item} failed`)
    return item
  }
  return { attempt, started, aborted }
}

describe('raceAttempts (happy eyeballs)', () => {
  it('returns the first success and aborts the others', async () => {
    const { attempt, started, aborted } = scripted({ a: { ms: 200, ok: true }, b: { ms: 20, ok: true } })
    const winner = await raceAttempts(['a', 'b'], attempt, {
      signal: new AbortController().signal,
      stagger: 10,
    })
    expect(winner).toBe('b')
    expect(started.map((s) => s.item)).toEqual(['a', 'b'])
    expect(aborted).toEqual(['a'])
  })

  it('staggers attempts while the earlier ones still run', async () => {
    const { attempt, started } = scripted({ a: { ms: 150, ok: true }, b: { ms: 150, ok: true } })
    await raceAttempts(['a', 'b'], attempt, { signal: new AbortController().signal, stagger: 60 })
    expect(started[1]!.at).toBeGreaterThanOrEqual(50)
  })

  it('starts the next attempt at once when one fails', async () => {
    const { attempt, started } = scripted({ a: { ms: 5, ok: false }, b: { ms: 5, ok: true } })
    const winner = await raceAttempts(['a', 'b'], attempt, {
      signal: new AbortController().signal,
      stagger: 1000,
    })
    expect(winner).toBe('b')
    expect(started[1]!.at).toBeLessThan(500)
  })

  it('rejects with the error itself when the only attempt fails', async () => {
    const { attempt } = scripted({ a: { ms: 1, ok: false } })
    await expect(raceAttempts(['a'], attempt, { signal: new AbortController().signal })).rejects.toThrow(
      'a failed',
    )
  })

  it('rejects with AllAddressesFailedError listing every failure', async () => {
    const { attempt } = scripted({
      a: { ms: 1, ok: false },
      b: { ms: 3, ok: false },
      c: { ms: 2, ok: false },
    })
    const err = (await raceAttempts(['a', 'b', 'c'], attempt, {
      signal: new AbortController().signal,
      stagger: 1,
    }).catch((e: unknown) => e)) as AggregateError
    expect(err.name).toBe('AllAddressesFailedError')
    expect(err.errors).toHaveLength(3)
  })

  it('keeps at most `concurrency` attempts running', async () => {
    let running = 0
    let most = 0
    const attempt = async (_item: number): Promise<number> => {
      running++
      most = Math.max(most, running)
      await delay(30)
      running--
      throw new Error('no')
    }
    await expect(
      raceAttempts([1, 2, 3, 4, 5, 6], attempt, {
        signal: new AbortController().signal,
        stagger: 1,
        concurrency: 2,
      }),
    ).rejects.toThrow()
    expect(most).toBe(2)
  })

  it('aborts every attempt when the signal aborts', async () => {
    const { attempt, aborted } = scripted({ a: { ms: 1000, ok: true }, b: { ms: 1000, ok: true } })
    const controller = new AbortController()
    const race = raceAttempts(['a', 'b'], attempt, { signal: controller.signal, stagger: 5 })
    await delay(30)
    controller.abort(new Error('stop'))
    await expect(race).rejects.toThrow('stop')
    await delay(5)
    expect(aborted.sort()).toEqual(['a', 'b'])
  })

  it('hands a late second success to onSurplus', async () => {
    const surplus: string[] = []
    const attempt = async (item: string): Promise<string> => {
      // neither attempt looks at its signal, so both finish
      await delay(item === 'a' ? 10 : 40)
      return item
    }
    const winner = await raceAttempts(['a', 'b'], attempt, {
      signal: new AbortController().signal,
      stagger: 1,
      onSurplus: (result) => surplus.push(result),
    })
    expect(winner).toBe('a')
    await delay(60)
    expect(surplus).toEqual(['b'])
  })
})
