import type { FakeConnection } from '@weft/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import type { TcpConnection, TcpTransport } from '../src/index.js'
import { Harness } from './fixtures/harness.js'

describe('tcp dial from a chosen local port', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  async function dialFrom(addr: Parameters<TcpTransport['dial']>[0], localPort?: number) {
    const connection = (await (harness.transport as TcpTransport).dial(addr, {
      upgrader: harness.upgrader,
      signal: AbortSignal.timeout(5_000),
      localPort,
    })) as unknown as FakeConnection
    const outbound = connection.maConn as TcpConnection
    const inbound = (await harness.upgrader.nextInbound()) as TcpConnection
    harness.track(outbound)
    harness.track(inbound)
    return { outbound, inbound }
  }

  it('reports its local address and shares one local port between connections to different peers', async () => {
    harness = new Harness()
    const first = await harness.listen('/ip4/127.0.0.1/tcp/0')
    const second = await harness.listen('/ip4/127.0.0.1/tcp/0')
    const a = await dialFrom(first.addr)
    const localPort = Number(a.outbound.localAddr?.toString().split('/')[4])
    expect(localPort).toBeGreaterThan(0)
    expect(a.outbound.localAddr?.toString()).toBe(`/ip4/127.0.0.1/tcp/${localPort}`)
    // the remote sees the port we bound
    expect(a.inbound.remoteAddr.toString()).toBe(`/ip4/127.0.0.1/tcp/${localPort}`)

    const b = await dialFrom(second.addr, localPort)
    expect(b.outbound.localAddr?.toString()).toBe(`/ip4/127.0.0.1/tcp/${localPort}`)
    expect(b.inbound.remoteAddr.toString()).toBe(`/ip4/127.0.0.1/tcp/${localPort}`)
  })
})
