/**
 * @weft/perf between real hosts over TCP + Noise + yamux on 127.0.0.1:
 * weft ⇄ weft, and across stacks with the js-libp2p perf handler and client
 * of this folder (the same /perf/1.0.0 wire format both ways). Lives here
 * because this package already depends on both stacks.
 */
import type { Libp2p } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { jsPerfClient } from '../src/protocols.js'
import { type BenchNode, createNode } from '../src/stacks/node.js'

const MiB = 1024 * 1024

interface PerfHost {
  services: {
    perf: {
      measurePerformance: (
        ...args: unknown[]
      ) => AsyncGenerator<{ type: string; timeSeconds: number; uploadBytes: number; downloadBytes: number }>
    }
  }
}

describe('@weft/perf over TCP', () => {
  const nodes: BenchNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  async function pair(client: 'weft' | 'js', server: 'weft' | 'js') {
    const listener = await createNode(server, { muxer: 'yamux', listen: true })
    const dialer = await createNode(client, { muxer: 'yamux', listen: false })
    nodes.push(listener, dialer)
    return { listener, dialer }
  }

  it.each(['weft', 'js'] as const)('weft measures against a %s server', async (server) => {
    const { listener, dialer } = await pair('weft', server)
    const perf = (dialer.libp2p as unknown as PerfHost).services.perf
    const reports = []
    for await (const report of perf.measurePerformance(listener.address(), 3 * MiB, 5 * MiB, {
      signal: AbortSignal.timeout(30_000),
    })) {
      reports.push(report)
    }
    expect(reports[0]!.type).toBe('connection')
    expect(reports[1]!.type).toBe('stream')
    expect(reports.at(-1)).toMatchObject({ type: 'final', uploadBytes: 3 * MiB, downloadBytes: 5 * MiB })
    // the connection dialed for the measurement is closed afterwards
    expect(dialer.libp2p.getConnections(listener.libp2p.peerId)).toHaveLength(0)
  })

  it('the js-libp2p perf client measures against a weft server', async () => {
    const { listener, dialer } = await pair('js', 'weft')
    const connection = await dialer.dial(listener.address(), { signal: AbortSignal.timeout(10_000) })
    const seconds = await jsPerfClient(connection, 2 * MiB, 4 * MiB, { signal: AbortSignal.timeout(30_000) })
    expect(seconds).toBeGreaterThan(0)
  })

  it('a weft server refuses a request over its limit and keeps serving', async () => {
    const { listener, dialer } = await pair('js', 'weft')
    const connection = await dialer.dial(listener.address(), { signal: AbortSignal.timeout(10_000) })
    const tooMuch = 5 * 1024 * MiB // above the default 4 GiB limit
    await expect(
      jsPerfClient(connection, 0, tooMuch, { signal: AbortSignal.timeout(30_000) }),
    ).rejects.toThrow()
    const seconds = await jsPerfClient(connection, 0, MiB, { signal: AbortSignal.timeout(30_000) })
    expect(seconds).toBeGreaterThan(0)
    expect((listener.libp2p as Libp2p).getConnections()).toHaveLength(1)
  })
})
