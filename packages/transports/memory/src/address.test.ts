import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { isMemoryAddr, memoryName, toMemoryName } from './address.js'
import type { MemoryListener } from './listener.js'
import { MemoryRegistry } from './registry.js'

const peerId = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

describe('memory addresses', () => {
  it('reads the name of /memory/<name>, with or without /p2p', () => {
    expect(memoryName(multiaddr('/memory/alice'))).toBe('alice')
    expect(memoryName(multiaddr('/memory/123'))).toBe('123')
    expect(memoryName(multiaddr(`/memory/a-b_c.d/p2p/${peerId}`))).toBe('a-b_c.d')
  })

  it('rejects anything else', () => {
    for (const addr of [
      '/ip4/127.0.0.1/tcp/1',
      `/p2p/${peerId}`,
      '/memory/a/tcp/1',
      '/ip4/1.2.3.4/tcp/1/memory/a',
    ]) {
      expect(isMemoryAddr(multiaddr(addr))).toBe(false)
      expect(() => toMemoryName(multiaddr(addr))).toThrow(
        expect.objectContaining({ name: 'InvalidMultiaddrError' }),
      )
    }
  })
})

describe('MemoryRegistry', () => {
  const listener = (): MemoryListener => ({}) as MemoryListener

  it('claims, finds and releases names, and only the owner releases one', () => {
    const registry = new MemoryRegistry()
    const owner = listener()
    registry.add('a', owner)
    expect(registry.get('a')).toBe(owner)
    expect(() => registry.add('a', listener())).toThrow(expect.objectContaining({ name: 'ListenError' }))
    registry.remove('a', listener())
    expect(registry.get('a')).toBe(owner)
    registry.remove('a', owner)
    expect(registry.get('a')).toBeUndefined()
    expect(registry.size).toBe(0)
  })

  it('is bounded', () => {
    const registry = new MemoryRegistry(2)
    registry.add('a', listener())
    registry.add('b', listener())
    expect(() => registry.add('c', listener())).toThrow(/2 memory listeners/)
  })
})
