import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope } from '../src/codec.js'
import {
  buildLevels,
  leafHash,
  leafHashOf,
  proofFor,
  RootBuilder,
  verifyChunk,
  verifyLeaf,
} from '../src/file-tree.js'
import {
  decodeFileId,
  encodeFileId,
  InvalidAddressError,
  InvalidFileIdError,
  PeerRateLimiter,
  parseAddress,
} from '../src/index.js'

describe('the file hash tree', () => {
  it('proves every chunk of trees of every width up to 33, and the streaming root agrees', () => {
    for (let count = 1; count <= 33; count++) {
      const chunks = Array.from({ length: count }, (_, i) => new Uint8Array([i, count, 7]))
      const leaves = chunks.map(leafHash)
      const levels = buildLevels(leaves)
      const root = levels[levels.length - 1]![0]!
      const builder = new RootBuilder()
      for (const leaf of leaves) builder.push(leaf)
      expect(builder.root()).toEqual(root)
      for (let i = 0; i < count; i++) {
        const proof = proofFor(levels, i)
        expect(verifyChunk(root, count, i, chunks[i]!, proof)).toBe(true)
        const corrupt = chunks[i]!.slice()
        corrupt[0] = corrupt[0]! ^ 1
        expect(verifyChunk(root, count, i, corrupt, proof)).toBe(false)
        if (count > 1) expect(verifyChunk(root, count, (i + 1) % count, chunks[i]!, proof)).toBe(false)
        expect(verifyChunk(root, count, i, chunks[i]!, [...proof, root])).toBe(false)
      }
    }
  })

  it('hashes a chunk received in pieces to the same leaf, and checks a leaf by its proof', () => {
    const chunks = Array.from({ length: 5 }, (_, i) => new Uint8Array(1000).fill(i + 1))
    const levels = buildLevels(chunks.map(leafHash))
    const root = levels[levels.length - 1]![0]!
    const pieces = [chunks[3]!.subarray(0, 1), chunks[3]!.subarray(1, 700), chunks[3]!.subarray(700)]
    const leaf = leafHashOf(pieces)
    expect(leaf).toEqual(leafHash(chunks[3]!))
    expect(verifyLeaf(root, 5, 3, leaf, proofFor(levels, 3))).toBe(true)
    expect(verifyLeaf(root, 5, 2, leaf, proofFor(levels, 2))).toBe(false)
    expect(verifyLeaf(root, 5, 3, leaf.subarray(1), proofFor(levels, 3))).toBe(false)
  })

  it('names a file by root, size and chunk size, and refuses malformed ids', () => {
    const id = { root: new Uint8Array(32).fill(9), size: 256 * 1024 * 1024 + 5, chunkSize: 256 * 1024 }
    const text = encodeFileId(id)
    expect(text.startsWith('weft-file:')).toBe(true)
    expect(decodeFileId(text)).toEqual(id)
    expect(() => decodeFileId('nope')).toThrow(InvalidFileIdError)
    expect(() => decodeFileId(`${text}1`)).toThrow(InvalidFileIdError)
    expect(() => decodeFileId('weft-file:z0OIl')).toThrow(InvalidFileIdError)
  })
})

describe('addresses as people type them', () => {
  it('reads host:port, [v6]:port, names, multiaddrs and peer ids', () => {
    const text = (address: string): string => {
      const parsed = parseAddress(address)
      return parsed.type === 'multiaddr' ? parsed.address.toString() : `peer ${parsed.peer.toString()}`
    }
    expect(text('192.0.2.7:4001')).toBe('/ip4/192.0.2.7/tcp/4001')
    expect(text('[2001:db8::1]:4001')).toBe('/ip6/2001:db8::1/tcp/4001')
    expect(text('localhost:9')).toBe('/ip4/127.0.0.1/tcp/9')
    expect(text('Example.com:80')).toBe('/dns/example.com/tcp/80')
    expect(text(' /ip4/127.0.0.1/tcp/1 ')).toBe('/ip4/127.0.0.1/tcp/1')
    const id = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
    expect(text(id)).toBe(`peer ${id}`)
    for (const bad of ['', 'host:0', 'a b:1', '/ip4/999.1.1.1/tcp/1', 'hello']) {
      expect(() => parseAddress(bad)).toThrow(InvalidAddressError)
    }
  })
})

describe('the per-peer rate limiter', () => {
  it('allows a burst, refills over time and forgets the least recently seen peer', () => {
    let now = 0
    const limiter = new PeerRateLimiter({ perSecond: 2, burst: 3, maxPeers: 2, now: () => now })
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false])
    now = 500
    expect(limiter.take('a')).toBe(true)
    expect(limiter.take('a')).toBe(false)
    limiter.take('b')
    limiter.take('c')
    expect(limiter.trackedPeers).toBe(2)
    expect(limiter.refused).toBe(2)
  })
})

describe('the message envelope', () => {
  it('round-trips a payload and refuses what is not an envelope', () => {
    const bytes = encodeEnvelope('kind', { a: [1, 'two', null, true] }, 1024)
    expect(decodeEnvelope(bytes, 1024)).toEqual({ kind: 'kind', payload: { a: [1, 'two', null, true] } })
    expect(() => decodeEnvelope(new TextEncoder().encode('[1]'), 1024)).toThrow(TypeError)
    expect(() => decodeEnvelope(new Uint8Array([0xff, 0xfe]), 1024)).toThrow()
    expect(() => encodeEnvelope('', 1, 1024)).toThrow(TypeError)
  })
})
