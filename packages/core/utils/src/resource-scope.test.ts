import { describe, expect, it } from 'vitest'
import { CountingMemoryScope, scopesFor } from './counting-scope.js'
import { resourceScopesOf } from './resource-scope.js'

describe('resourceScopesOf', () => {
  it("finds a host's resource manager, and nothing where the components have none", () => {
    const channel = {}
    const manager = scopesFor(channel, new CountingMemoryScope(1024))
    expect(resourceScopesOf({ resourceManager: manager })).toBe(manager)
    expect(resourceScopesOf({})).toBeUndefined()
    expect(resourceScopesOf({ resourceManager: 'not a manager' })).toBeUndefined()
  })

  it("is undefined for components that throw on a name they lack, as js-libp2p's do", () => {
    const strict = new Proxy(
      {},
      {
        get: (_target, prop) => {
          throw new Error(`${String(prop)} not set`)
        },
      },
    )
    expect(resourceScopesOf(strict)).toBeUndefined()
    const throwingGetter = Object.defineProperty({}, 'resourceManager', {
      get: () => {
        throw new Error('not ready')
      },
    })
    expect(resourceScopesOf(throwingGetter)).toBeUndefined()
  })
})
