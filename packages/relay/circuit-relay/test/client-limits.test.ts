/**
 * The client keeps the limits a relay announced even when the relay does not
 * enforce them (`enforceLimits: false`: the relay announces the limits and
 * bridges the circuit untouched).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { circuitAddressOf, clientHost, echoOver, relayHost, stopAll, until } from './nodes.js'

afterEach(stopAll)

describe('circuit limits kept by the client', () => {
  it('closes both ends of a circuit that goes over its data limit', async () => {
    const relay = await relayHost({ dataLimit: 16_384n, enforceLimits: false })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const connection = await dialer.dial(circuitAddressOf(listener))
    expect(connection.limits?.bytes).toBe(16_384n)
    // under the limit it works
    const small = new Uint8Array(1_000).fill(7)
    expect(await echoOver(connection, small)).toEqual(small)
    const echoed = await echoOver(connection, new Uint8Array(64 * 1024)).catch(() => new Uint8Array(0))
    expect(echoed.byteLength).toBeLessThanOrEqual(16_384)
    await until(() => connection.status !== 'open')
    await until(() => listener.getConnections(dialer.peerId).every((c) => c.status !== 'open'))
    await until(() => relay.services.relay.circuitCount === 0)
  })

  it('closes both ends of a circuit when its time limit passes', async () => {
    const relay = await relayHost({ durationLimit: 1_000, enforceLimits: false })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const opened = Date.now()
    const connection = await dialer.dial(circuitAddressOf(listener))
    expect(connection.limits?.seconds).toBe(1)
    const payload = new Uint8Array([1, 2, 3])
    expect(await echoOver(connection, payload)).toEqual(payload)
    await until(() => connection.status !== 'open')
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900)
    await until(() => listener.getConnections(dialer.peerId).every((c) => c.status !== 'open'))
    await until(() => relay.services.relay.circuitCount === 0)
  })

  it('leaves a circuit whose relay announced no limit alone', async () => {
    const relay = await relayHost({ dataLimit: 0n, durationLimit: 0, enforceLimits: false })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const connection = await dialer.dial(circuitAddressOf(listener))
    const payload = new Uint8Array(200 * 1024).fill(3)
    expect((await echoOver(connection, payload)).byteLength).toBe(payload.byteLength)
    expect(connection.status).toBe('open')
  })
})
