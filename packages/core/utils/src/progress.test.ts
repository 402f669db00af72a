import { describe, expect, it } from 'vitest'
import { reportProgress } from './progress.js'

describe('reportProgress', () => {
  it('calls onProgress with the type and detail, and does nothing without it', () => {
    const seen: Array<{ type: string; detail: unknown }> = []
    const options = { onProgress: (evt: { type: 'a:b' | 'c:d'; detail: unknown }) => seen.push(evt) }
    reportProgress(options, 'a:b')
    reportProgress(options, 'c:d', 42)
    reportProgress(undefined, 'a:b')
    reportProgress({}, 'a:b')
    expect(seen).toEqual([
      { type: 'a:b', detail: undefined },
      { type: 'c:d', detail: 42 },
    ])
  })
})
