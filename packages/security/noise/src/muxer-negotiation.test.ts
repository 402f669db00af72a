import { describe, expect, it } from 'vitest'
import { selectStreamMuxer } from './muxer-negotiation.js'

describe('selectStreamMuxer', () => {
  it("follows the initiator's preference (the spec's example)", () => {
    expect(selectStreamMuxer(['/yamux/1.0.0', '/mplex/6.7.0'], ['/mplex/6.7.0', '/yamux/1.0.0'])).toBe(
      '/yamux/1.0.0',
    )
    expect(selectStreamMuxer(['/mplex/6.7.0', '/yamux/1.0.0'], ['/yamux/1.0.0', '/mplex/6.7.0'])).toBe(
      '/mplex/6.7.0',
    )
  })

  it('skips what the responder lacks', () => {
    expect(selectStreamMuxer(['/a', '/yamux/1.0.0'], ['/yamux/1.0.0'])).toBe('/yamux/1.0.0')
  })

  it('agrees on nothing without overlap or without a list', () => {
    expect(selectStreamMuxer(['/yamux/1.0.0'], ['/mplex/6.7.0'])).toBeUndefined()
    expect(selectStreamMuxer([], ['/mplex/6.7.0'])).toBeUndefined()
    expect(selectStreamMuxer(['/mplex/6.7.0'], [])).toBeUndefined()
  })
})
