/**
 * Acceptance 2 across processes: three playgrounds of one app and one of
 * another, each in its own process (with the DHT on). Join by host:port, by
 * multiaddr and by peer id (a peer never met, found through the DHT); send to
 * one and to all; the other app is refused and hears nothing.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundle, type Program, runProgram } from './child-process.js'

interface Event {
  event: string
  id?: number
  peer?: string
  peerId?: string
  addresses?: string[]
  peers?: string[]
  payload?: unknown
  from?: string
  direct?: boolean
  kind?: string
  name?: string
}

describe('three playground processes', () => {
  let program: { file: string; remove(): void }
  const running: Program<Event>[] = []
  let nextId = 0
  beforeAll(() => {
    program = bundle(join(import.meta.dirname, 'programs/peer-program.ts'))
  })
  afterAll(async () => {
    await Promise.all(running.map(async (child) => child.stop()))
    program?.remove()
  })

  async function start(
    app: string,
    label: string,
  ): Promise<{ child: Program<Event>; peerId: string; addresses: string[] }> {
    const child = runProgram<Event>(program.file, { WEFT_TEST_APP: app, WEFT_TEST_DHT: '1' }, label)
    running.push(child)
    const ready = await child.waitFor((event) => event.event === 'ready')
    return { child, peerId: ready.peerId!, addresses: ready.addresses! }
  }

  async function call(child: Program<Event>, command: Record<string, unknown>): Promise<Event> {
    const id = nextId++
    child.send({ ...command, id })
    const reply = await child.waitFor((event) => event.id === id && event.event !== 'message')
    if (reply.event === 'error')
      throw Object.assign(new Error(String((reply as { message?: string }).message)), { name: reply.name })
    return reply
  }

  it('join by host:port, multiaddr and peer id; send to one and to all; another app is isolated', {
    timeout: 60_000,
  }, async () => {
    const [a, b, c, other] = await Promise.all([
      start('proc-app', 'a'),
      start('proc-app', 'b'),
      start('proc-app', 'c'),
      start('proc-other', 'other'),
    ])
    const port = /\/tcp\/(\d+)/.exec(b.addresses[0]!)![1]
    expect((await call(a.child, { cmd: 'join', address: `127.0.0.1:${port}` })).peer).toBe(b.peerId)
    expect((await call(c.child, { cmd: 'join', address: b.addresses[0] })).peer).toBe(b.peerId)
    // a has never met c: its peer id resolves through the DHT, which b (the common peer) answers
    expect((await call(a.child, { cmd: 'peers' })).peers).toEqual([b.peerId])
    expect((await call(a.child, { cmd: 'join', address: c.peerId })).peer).toBe(c.peerId)
    await expect(call(a.child, { cmd: 'join', address: other.addresses[0] })).rejects.toMatchObject({
      name: 'PeerNotInAppError',
    })

    await call(a.child, { cmd: 'send', kind: 'note', payload: { hello: 'all' } })
    for (const child of [b.child, c.child]) {
      const got = await child.waitFor((event) => event.event === 'message' && event.direct === false)
      expect(got).toMatchObject({ kind: 'note', payload: { hello: 'all' }, from: a.peerId })
    }
    await call(b.child, { cmd: 'send', kind: 'text', payload: 'just c', to: c.peerId })
    const direct = await c.child.waitFor((event) => event.event === 'message' && event.direct === true)
    expect(direct).toMatchObject({ kind: 'text', payload: 'just c', from: b.peerId })

    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(a.child.events.filter((event) => event.event === 'message')).toEqual([])
    expect(b.child.events.filter((event) => event.event === 'message')).toHaveLength(1)
    expect(other.child.events.filter((event) => event.event === 'message')).toEqual([])
    expect((await call(other.child, { cmd: 'peers' })).peers).toEqual([])

    // stop() leaves no handle open: each process exits by itself once its stdin ends
    expect(await Promise.all(running.map(async (child) => child.stop()))).toEqual([true, true, true, true])
  })
})
