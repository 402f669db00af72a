/** The perf service with a fake registrar and connection (streamPair underneath). */
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { encodeRequest, type PerfOutput, PerfService, perf } from '../src/index.js'
import { components, FakeRegistrar, fakeConnection } from './fakes.js'

const addr = multiaddr('/ip4/127.0.0.1/tcp/1234')

async function collect(reports: AsyncIterable<PerfOutput>): Promise<PerfOutput[]> {
  const out: PerfOutput[] = []
  for await (const report of reports) out.push(report)
  return out
}

describe('PerfService', () => {
  it('registers /perf/1.0.0 with its stream limits on start and removes it on stop', async () => {
    const registrar = new FakeRegistrar()
    const service = perf({ maxInboundStreams: 3, maxOutboundStreams: 4 })(components(registrar))
    expect(service).toBeInstanceOf(PerfService)
    expect(service.isStarted()).toBe(false)
    await service.start()
    expect(service.isStarted()).toBe(true)
    expect(registrar.handlers.get('/perf/1.0.0')?.options).toEqual({
      maxInboundStreams: 3,
      maxOutboundStreams: 4,
      runOnLimitedConnection: false,
    })
    await service.stop()
    expect(registrar.handlers.size).toBe(0)
    expect(service.isStarted()).toBe(false)
  })

  it('uses a custom protocol name', async () => {
    const registrar = new FakeRegistrar()
    const service = perf({ protocolName: '/x/perf/1.0.0' })(components(registrar))
    await service.start()
    expect([...registrar.handlers.keys()]).toEqual(['/x/perf/1.0.0'])
    await service.stop()
  })

  it('measures a fresh connection: connection, stream, final; then closes it', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf()(components(serverRegistrar))
    await server.start()
    const connection = fakeConnection(serverRegistrar)
    let forced: boolean | undefined
    const client = perf()(
      components(new FakeRegistrar(), (options) => {
        forced = options?.force
        return connection
      }),
    )
    await client.start()
    const reports = await collect(client.measurePerformance(addr, 300_000, 700_000))
    expect(forced).toBe(true)
    expect(reports.map((report) => report.type)).toEqual(['connection', 'stream', 'final'])
    const final = reports.at(-1)!
    expect(final).toMatchObject({ uploadBytes: 300_000, downloadBytes: 700_000 })
    expect(final.timeSeconds).toBeGreaterThanOrEqual(reports[0]!.timeSeconds + reports[1]!.timeSeconds)
    expect(connection.closed).toBe(true)
    await Promise.all([client.stop(), server.stop()])
  })

  it('reuses an existing connection without reporting or closing it', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf()(components(serverRegistrar))
    await server.start()
    const connection = fakeConnection(serverRegistrar)
    let forced: boolean | undefined
    const client = perf()(
      components(new FakeRegistrar(), (options) => {
        forced = options?.force
        return connection
      }),
    )
    await client.start()
    const reports = await collect(client.measurePerformance(addr, 10, 20, { reuseExistingConnection: true }))
    expect(forced).toBe(false)
    expect(reports.map((report) => report.type)).toEqual(['stream', 'final'])
    expect(connection.closed).toBe(false)
    await Promise.all([client.stop(), server.stop()])
  })

  it('refuses requests over maxRequestBytes: the client sees a reset', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf({ maxRequestBytes: 1000 })(components(serverRegistrar))
    await server.start()
    const client = perf()(components(new FakeRegistrar(), () => fakeConnection(serverRegistrar)))
    await client.start()
    await expect(collect(client.measurePerformance(addr, 0, 1001))).rejects.toMatchObject({
      name: 'StreamResetError',
    })
    await Promise.all([client.stop(), server.stop()])
  })

  it('serves at most maxServedStreams streams at once, over all connections', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf({ maxServedStreams: 2 })(components(serverRegistrar))
    await server.start()
    // streams that send their request and then upload without end: each is held while served
    const open = async () => {
      const stream = await fakeConnection(serverRegistrar).newStream('/perf/1.0.0')
      stream.send(encodeRequest(1 << 20))
      return stream
    }
    const first = await open()
    const second = await open()
    const third = await open()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(third.status).toBe('reset')
    expect([first.status, second.status]).toEqual(['open', 'open'])
    // a slot frees when a served stream ends
    first.abort(new Error('done'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const fourth = await open()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(fourth.status).toBe('open')
    await server.stop()
  })

  it('stop() aborts inbound exchanges and measurements in flight', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf()(components(serverRegistrar))
    await server.start()
    const client = perf({ reportInterval: 10 })(
      components(new FakeRegistrar(), () =>
        fakeConnection(serverRegistrar, { delay: 2, capacity: 16 * 1024 }),
      ),
    )
    await client.start()
    const measuring = collect(client.measurePerformance(addr, 1 << 30, 0))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await client.stop()
    await expect(measuring).rejects.toMatchObject({ name: 'PerfServiceStoppedError' })
    await server.stop()
  })

  it('server stop() resets the streams it serves', async () => {
    const serverRegistrar = new FakeRegistrar()
    const server = perf()(components(serverRegistrar))
    await server.start()
    const client = perf()(
      components(new FakeRegistrar(), () =>
        fakeConnection(serverRegistrar, { delay: 2, capacity: 16 * 1024 }),
      ),
    )
    await client.start()
    const measuring = collect(client.measurePerformance(addr, 1 << 30, 0))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await server.stop()
    await expect(measuring).rejects.toMatchObject({ name: 'StreamResetError' })
    await client.stop()
  })

  it('times out a measurement after `timeout` ms', async () => {
    const serverRegistrar = new FakeRegistrar()
    // a handler that never answers
    await serverRegistrar.handle('/perf/1.0.0', () => {})
    const client = perf({ timeout: 100 })(
      components(new FakeRegistrar(), () => fakeConnection(serverRegistrar)),
    )
    await client.start()
    await expect(collect(client.measurePerformance(addr, 0, 10))).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    await client.stop()
  })

  it('refuses to measure before start', async () => {
    const client = perf()(components(new FakeRegistrar()))
    await expect(collect(client.measurePerformance(addr, 0, 0))).rejects.toMatchObject({
      name: 'PerfServiceStoppedError',
    })
  })

  it('validates its options', () => {
    const make = (init: Parameters<typeof perf>[0]) => () => perf(init)(components(new FakeRegistrar()))
    expect(make({ writeBlockSize: 0 })).toThrow(RangeError)
    expect(make({ writeBlockSize: 8 * 1024 * 1024 })).toThrow(RangeError)
    expect(make({ maxRequestBytes: -1 })).toThrow(RangeError)
    expect(make({ timeout: 0 })).toThrow(RangeError)
    expect(make({ maxInboundStreams: 1.5 })).toThrow(RangeError)
    expect(make({ maxServedStreams: 0 })).toThrow(RangeError)
  })
})
