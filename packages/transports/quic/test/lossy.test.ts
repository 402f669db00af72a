/**
 * Transfers through an impaired UDP proxy arrive byte for byte within a
 * stated time: loss recovery, retransmission and congestion control at work.
 */
import { createHash } from 'node:crypto'
import type { Libp2p } from '@libp2p/interface'
import { createHost, multiaddr } from '@weft/host'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { QuicConnection } from '../src/connection/connection.js'
import { type QuicInit, quic } from '../src/index.js'
import { type Impairment, startUdpProxy, type UdpProxy } from './udp-proxy.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map(async (close) => close()))
})

async function host(init: QuicInit = {}): Promise<Libp2p> {
  const created = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] },
    transports: [quic(init)],
  })
  cleanup.push(async () => created.stop())
  return created
}

/** Sends `size` bytes a→b through `proxy`, b answers with their SHA-256. */
async function transfer(a: Libp2p, b: Libp2p, proxy: UdpProxy, size: number): Promise<{ ms: number }> {
  await b.handle('/sink/1.0.0', async (stream) => {
    const hash = createHash('sha256')
    for await (const chunk of stream) hash.update(chunk instanceof Uint8Array ? chunk : chunk.subarray())
    stream.send(hash.digest())
    await stream.close()
  })
  const payload = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 9)) & 0xff)
  const started = Date.now()
  const target = multiaddr(`/ip4/127.0.0.1/udp/${proxy.port}/quic-v1/p2p/${b.peerId.toString()}`)
  const stream = await a.dialProtocol(target, '/sink/1.0.0')
  for (let at = 0; at < size; at += 32 * 1024) {
    if (!stream.send(payload.subarray(at, at + 32 * 1024))) await stream.onDrain()
  }
  await stream.close()
  const answer: Uint8Array[] = []
  for await (const chunk of stream) answer.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())
  expect(Buffer.concat(answer).toString('hex')).toBe(createHash('sha256').update(payload).digest('hex'))
  return { ms: Date.now() - started }
}

const cases: Array<{ name: string; impairment: Impairment; size: number; limit: number }> = [
  // the acceptance case: 16 MiB through 1% loss (the bound allows for a busy shared machine)
  {
    name: '1% loss',
    impairment: { drop: 0.01, reorder: 0, duplicate: 0, seed: 1 },
    size: 16 << 20,
    limit: 120_000,
  },
  {
    name: '5% loss',
    impairment: { drop: 0.05, reorder: 0, duplicate: 0, seed: 2 },
    size: 16 << 20,
    limit: 120_000,
  },
  {
    name: '2% loss, 5% reordered, 2% duplicated',
    impairment: { drop: 0.02, reorder: 0.05, duplicate: 0.02, seed: 3 },
    size: 4 << 20,
    limit: 40_000,
  },
]

describe('QUIC through an impaired UDP proxy', () => {
  it('a 16 MiB transfer at 1% loss crosses key updates and arrives intact', async () => {
    const phases = vi.spyOn(QuicConnection.prototype, 'startPhase')
    cleanup.push(async () => phases.mockRestore())
    // a key update every 2 048 packets: 16 MiB is about 12 000 packets each way
    const [a, b] = await Promise.all([host({ keyUpdateInterval: 2048 }), host({ keyUpdateInterval: 2048 })])
    const serverPort = Number(
      b
        .getMultiaddrs()[0]
        ?.getComponents()
        .find((c) => c.name === 'udp')?.value,
    )
    const proxy = await startUdpProxy(serverPort, { drop: 0.01, reorder: 0, duplicate: 0, seed: 7 })
    cleanup.push(async () => proxy.close())
    const { ms } = await transfer(a, b, proxy, 16 << 20)
    console.log(`key updates: ${phases.mock.calls.length} in ${ms} ms`, proxy.stats)
    expect(phases.mock.calls.length).toBeGreaterThanOrEqual(4)
    expect(ms).toBeLessThan(120_000)
  }, 130_000)

  for (const { name, impairment, size, limit } of cases) {
    it(
      `${name}: ${size >> 20} MiB arrive intact within ${limit / 1000} s`,
      async () => {
        const [a, b] = await Promise.all([host(), host()])
        const serverPort = Number(
          b
            .getMultiaddrs()[0]
            ?.getComponents()
            .find((c) => c.name === 'udp')?.value,
        )
        const proxy = await startUdpProxy(serverPort, impairment)
        cleanup.push(async () => proxy.close())
        const { ms } = await transfer(a, b, proxy, size)
        console.log(`${name}: ${size >> 20} MiB in ${ms} ms`, proxy.stats)
        expect(ms).toBeLessThan(limit)
        if (impairment.drop > 0) expect(proxy.stats.dropped).toBeGreaterThan(0)
      },
      limit + 10_000,
    )
  }
})
