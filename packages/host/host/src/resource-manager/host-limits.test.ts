import type { Stream } from '@libp2p/interface'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { stopAll, tcpHost } from '../../test/fixtures/hosts.js'
import { echo, encode, readAll } from '../../test/fixtures/peer.js'
import { ResourceLimitError } from '../errors.js'
import type { Host } from '../host.js'

afterEach(stopAll)

const HOLD = '/hold/1.0.0'

/** Waits until `check` holds (at most 5 s). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await delay(20)
  expect(check()).toBe(true)
}

function refusals(host: Host, scope: string, resource: string): number {
  return (
    host.resourceManager.stat().refusals.find((r) => r.scope === scope && r.resource === resource)?.count ?? 0
  )
}

/** A handler that keeps every stream open until the remote ends it. */
function hold(stream: Stream): void {
  void readAll(stream).catch(() => {})
}

describe('the host refuses over its resource limits (TCP loopback)', () => {
  it("counts each listening socket's descriptor, and refuses a listen past the system's", async () => {
    const host = await tcpHost({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] } })
    expect(host.resourceManager.stat().system.usage.fd).toBe(2)
    await host.stop()
    expect(host.resourceManager.stat().system.usage.fd).toBe(0)
    const err = await tcpHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] },
      resources: { system: { fd: 1 } },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ResourceLimitError)
    expect(err).toMatchObject({ scope: 'system', resource: 'fd', limit: 1 })
    // the first listener, which did open, closed with the failed start
    await until(() => !process.getActiveResourcesInfo().includes('TCPServerWrap'))
  })

  it('closes an inbound connection the system scope refuses, and admits one once a slot is free', async () => {
    const listener = await tcpHost({ resources: { system: { connectionsInbound: 1 } } })
    const first = await tcpHost()
    const second = await tcpHost()
    await first.dial(listener.getMultiaddrs())
    // the listening socket's descriptor and the connection's
    expect(listener.resourceManager.stat().system.usage).toMatchObject({ connectionsInbound: 1, fd: 2 })
    await expect(second.dial(listener.getMultiaddrs())).rejects.toThrow()
    expect(refusals(listener, 'system', 'connectionsInbound')).toBe(1)
    expect(listener.getConnections()).toHaveLength(1)

    await first.hangUp(listener.peerId)
    await until(() => listener.resourceManager.stat().system.usage.connectionsInbound === 0)
    await second.dial(listener.getMultiaddrs())
    // the dialer may finish its side of the upgrade a moment before the listener does
    await until(() => listener.getConnections(second.peerId).length === 1)
  })

  it('rejects newStream with ResourceLimitError naming the peer scope, and admits one after a close', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost({ resources: { peer: { streamsOutbound: 2 } } })
    await listener.handle(HOLD, hold)
    const streams = [
      await dialer.dialProtocol(listener.getMultiaddrs(), HOLD),
      await dialer.dialProtocol(listener.getMultiaddrs(), HOLD),
    ]
    const err = await dialer.dialProtocol(listener.getMultiaddrs(), HOLD).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ResourceLimitError)
    expect(err).toMatchObject({ scope: `peer:${listener.peerId}`, resource: 'streamsOutbound', limit: 2 })

    streams[0]?.abort(new Error('done with it'))
    await until(() => dialer.resourceManager.stat().system.usage.streamsOutbound === 1)
    streams.push(await dialer.dialProtocol(listener.getMultiaddrs(), HOLD))
    expect(dialer.resourceManager.stat().protocols[HOLD]?.usage.streamsOutbound).toBe(2)
  })

  it('resets an inbound stream its protocol scope refuses', async () => {
    const listener = await tcpHost({ resources: { protocols: { [HOLD]: { streamsInbound: 2 } } } })
    const dialer = await tcpHost()
    await listener.handle(HOLD, hold)
    const attempts = await Promise.allSettled(
      [1, 2, 3].map(async () => dialer.dialProtocol(listener.getMultiaddrs(), HOLD)),
    )
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled').length).toBeGreaterThanOrEqual(2)
    await until(() => refusals(listener, 'protocol', 'streamsInbound') === 1)
    expect(listener.resourceManager.stat().protocols[HOLD]?.usage.streamsInbound).toBe(2)
    // the refused stream is reset on the dialer's side too
    await until(() => dialer.getConnections()[0]?.streams.length === 2)
  })

  it('200 streams opened and closed leave no usage on either side, nor the connection once closed', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const stream = await dialer.dialProtocol(listener.getMultiaddrs(), '/echo/1.0.0')
          stream.send(encode(`ping ${batch}/${index}`))
          await stream.close()
          expect(await readAll(stream)).toBe(`ping ${batch}/${index}`)
        }),
      )
    }
    for (const host of [listener, dialer]) {
      await until(() => host.resourceManager.stat().streams === 0)
      const stat = host.resourceManager.stat()
      expect(stat.system.usage).toMatchObject({ streams: 0, streamsInbound: 0, streamsOutbound: 0 })
      expect(stat.protocols).toEqual({})
      expect(stat.system.usage.connections).toBe(1)
    }
    await dialer.hangUp(listener.peerId)
    for (const host of [listener, dialer]) {
      await until(() => host.resourceManager.stat().connections === 0)
      const stat = host.resourceManager.stat()
      // nothing but the listening socket's descriptor
      const { fd, ...rest } = stat.system.usage
      expect(fd).toBe(1)
      for (const value of Object.values(rest)) expect(value).toBe(0)
      for (const value of Object.values(stat.transient.usage)) expect(value).toBe(0)
      expect(stat.peers).toEqual({})
    }
  })
})
