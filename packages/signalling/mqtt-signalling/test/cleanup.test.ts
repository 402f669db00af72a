/**
 * stop() leaves nothing behind: after two hosts signalled, found each other,
 * dialled back and stopped, the process holds no more sockets or timers than
 * before they started (the broker's own process and pipes excepted, counted
 * in the baseline).
 */
import { createHost } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mqttSignalling } from '../src/index.js'
import { Mosquitto, notRunReason } from './mosquitto.js'

const NOT_RUN = notRunReason()

function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

describe.skipIf(NOT_RUN !== '')(`MQTT signalling leaves no handle behind${NOT_RUN}`, () => {
  const broker = new Mosquitto()
  beforeAll(async () => broker.start())
  afterAll(async () => broker.dispose())

  it('after stop(), no socket or timer of the service remains', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const before = resources()
    const host = async () =>
      createHost({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { signalling: mqttSignalling({ brokers: [broker.url], allowPrivateAddresses: true }) },
      })
    const a = await host()
    const b = await host()
    await a.peerRouting.findPeer(b.peerId)
    await a.services.signalling.requestDialBack(b.peerId)
    expect(resources().TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0)
    await Promise.all([a.stop(), b.stop()])
    // sockets finish closing on the next turns of the event loop
    const deadline = Date.now() + 5_000
    let after = resources()
    while (Date.now() < deadline) {
      after = resources()
      if (
        (after.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0) &&
        (after.Timeout ?? 0) <= (before.Timeout ?? 0)
      )
        break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect({
      sockets: after.TCPSocketWrap ?? 0,
      servers: after.TCPServerWrap ?? 0,
      timers: after.Timeout ?? 0,
    }).toEqual({
      sockets: before.TCPSocketWrap ?? 0,
      servers: before.TCPServerWrap ?? 0,
      timers: before.Timeout ?? 0,
    })
  })
})
