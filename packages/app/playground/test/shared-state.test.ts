import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@weft/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { fileStateStore, type Playground, playground } from '../src/index.js'
import { joinAll, LOOPBACK, startPlaygrounds, waitUntil } from './helpers.js'

function sameEverywhere(nodes: Playground[]): boolean {
  const first = JSON.stringify(nodes[0]!.state.toJSON())
  return nodes.every((node) => JSON.stringify(node.state.toJSON()) === first)
}

describe('SharedState over real loopback connections', () => {
  const started: Playground[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async (node) => node.stop()))
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('spreads writes, survives a partition, resolves concurrent writes alike and catches up a late joiner', async () => {
    const nodes = await startPlaygrounds('ledger-test', 4)
    started.push(...nodes)
    const [a, b, c, d] = nodes as [Playground, Playground, Playground, Playground]
    await joinAll([a, b, c])
    const changes: Array<{ key: string; local: boolean }> = []
    b.state.on('change', (change) => changes.push({ key: change.key, local: change.local }))

    await a.state.set('x', 1)
    await waitUntil(() => b.state.get('x') === 1, 'b to get x')
    await b.state.set('y', { list: [1, 2] })
    await waitUntil(() => c.state.get('x') === 1 && a.state.get('y') != null, 'the first writes everywhere')
    expect(changes).toEqual([
      { key: 'x', local: false },
      { key: 'y', local: true },
    ])

    // partition: c loses both peers; both sides write, including to the same key
    await c.host.hangUp(peerIdFromString(a.peerId))
    await c.host.hangUp(peerIdFromString(b.peerId))
    await waitUntil(() => c.peers.length === 0, 'c cut off')
    await Promise.all([
      a.state.set('z', 'from a'),
      c.state.set('z', 'from c'),
      c.state.set('w', true),
      b.state.delete('x'),
    ])
    // heal: c comes back; anti-entropy on connect brings both sides up to date
    await c.join(a.addresses[0]!)
    await c.join(b.addresses[0]!)
    await waitUntil(
      () => sameEverywhere([a, b, c]) && c.state.has('y') && a.state.has('w'),
      'the three to agree',
    )
    expect(a.state.has('x')).toBe(false)
    expect(['from a', 'from c']).toContain(a.state.get('z'))

    // a late joiner that knows only d's address of a catches up through one peer
    await d.join(a.addresses[0]!)
    await waitUntil(() => sameEverywhere([a, b, c, d]), 'the late joiner to catch up')
    expect(d.state.toJSON()).toEqual(a.state.toJSON())
    expect(d.state.keys().sort()).toEqual(['w', 'y', 'z'])
  })

  it('persists to a store and loads it at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-playground-state-'))
    dirs.push(dir)
    const store = fileStateStore(dir)
    const first = await playground('persist-test', { ...LOOPBACK, state: { store } })
    await first.state.set('kept', { n: 42 })
    await first.state.set('gone', 1)
    await first.state.delete('gone')
    await first.stop()
    const second = await playground('persist-test', { ...LOOPBACK, state: { store } })
    started.push(second)
    expect(second.state.toJSON()).toEqual({ kept: { n: 42 } })
  })
})
