import { LimitedConnectionError } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { Status } from '../src/index.js'
import { circuitAddressOf, clientHost, echoOver, relayHost, stopAll, until } from './nodes.js'

afterEach(stopAll)

describe('circuit relay v2 on TCP loopback (weft relay, weft clients)', () => {
  it('reserves on a relay, announces the circuit address and relays a connection', async () => {
    const relay = await relayHost()
    const listener = await clientHost(['/ip4/127.0.0.1/tcp/0', `${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const address = circuitAddressOf(listener)
    expect(address.toString()).toContain(`/p2p/${relay.peerId}/p2p-circuit/p2p/${listener.peerId}`)
    expect(relay.services.relay.hasReservation(listener.peerId)).toBe(true)

    const dialer = await clientHost()
    const connection = await dialer.dial(address)
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    expect(connection.direct).toBe(false)
    expect(connection.limits).toEqual({ seconds: 120, bytes: 131072n })
    const payload = new TextEncoder().encode('through the relay')
    expect(await echoOver(connection, payload)).toEqual(payload)
    await until(() => listener.getConnections(dialer.peerId).some((c) => c.limits != null))
    expect(relay.services.relay.circuitCount).toBe(1)
  })

  it('dials a peer through a relay it also listens on (the circuit is not taken for its own address)', async () => {
    const relay = await relayHost()
    const circuit = `${relay.getMultiaddrs()[0]}/p2p-circuit`
    const listener = await clientHost(['/ip4/127.0.0.1/tcp/0', circuit])
    const dialer = await clientHost(['/ip4/127.0.0.1/tcp/0', circuit])
    await until(() => relay.services.relay.hasReservation(dialer.peerId))
    const connection = await dialer.dial(circuitAddressOf(listener))
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    expect(connection.direct).toBe(false)
    const payload = new TextEncoder().encode('both on one relay')
    expect(await echoOver(connection, payload)).toEqual(payload)
  })

  it('runs only protocols that accept limited connections', async () => {
    const relay = await relayHost()
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    let handled = 0
    await listener.handle('/weft/test/unlimited/1.0.0', (stream) => {
      handled++
      stream.abort(new Error('unreachable'))
    })
    const dialer = await clientHost()
    const connection = await dialer.dial(circuitAddressOf(listener))
    await expect(connection.newStream('/weft/test/unlimited/1.0.0')).rejects.toThrow(LimitedConnectionError)
    // asked explicitly, the stream opens but the listener refuses the protocol there
    const stream = await connection.newStream('/weft/test/unlimited/1.0.0', { runOnLimitedConnection: true })
    await until(() => stream.status !== 'open')
    expect(stream.status).not.toBe('closed')
    expect(handled).toBe(0)
  })

  it('refuses a circuit to a peer without a reservation with NO_RESERVATION', async () => {
    const relay = await relayHost()
    const target = await clientHost()
    const dialer = await clientHost()
    const address = `${relay.getMultiaddrs()[0]}/p2p-circuit/p2p/${target.peerId}`
    const { multiaddr } = await import('@multiformats/multiaddr')
    await expect(dialer.dial(multiaddr(address))).rejects.toMatchObject({
      name: 'RelayStatusError',
      status: Status.NO_RESERVATION,
    })
  })

  it('refuses reservations beyond its configured count with RESERVATION_REFUSED', async () => {
    const relay = await relayHost({ maxReservations: 1 })
    const first = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    expect(relay.services.relay.reservationCount).toBe(1)
    await expect(clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])).rejects.toThrow(
      /RESERVATION_REFUSED/,
    )
    expect(relay.services.relay.hasReservation(first.peerId)).toBe(true)
    // the slot frees when its holder leaves
    await first.stop()
    await until(() => relay.services.relay.reservationCount === 0)
    const third = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    expect(relay.services.relay.hasReservation(third.peerId)).toBe(true)
  })

  it('refuses a reservation beyond maxReservationsPerIp from one address', async () => {
    // one host behind one address must not take every slot with fresh peer ids
    const relay = await relayHost({ maxReservations: 10, maxReservationsPerIp: 2 })
    const address = `${relay.getMultiaddrs()[0]}/p2p-circuit`
    await clientHost([address])
    await clientHost([address])
    await expect(clientHost([address])).rejects.toThrow(/RESERVATION_REFUSED/)
    expect(relay.services.relay.reservationCount).toBe(2)
  })

  it('resets a circuit that goes over its data limit', async () => {
    const relay = await relayHost({ dataLimit: 16_384n })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const connection = await dialer.dial(circuitAddressOf(listener))
    expect(connection.limits?.bytes).toBe(16_384n)
    const echoed = await echoOver(connection, new Uint8Array(64 * 1024)).catch(() => new Uint8Array(0))
    expect(echoed.byteLength).toBeLessThanOrEqual(16_384)
    await until(() => connection.status !== 'open')
    await until(() => relay.services.relay.circuitCount === 0)
  })

  it('resets a circuit that outlives its time limit', async () => {
    const relay = await relayHost({ durationLimit: 1_500 })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const connection = await dialer.dial(circuitAddressOf(listener))
    expect(connection.limits?.seconds).toBe(2)
    const payload = new Uint8Array([1, 2, 3])
    expect(await echoOver(connection, payload)).toEqual(payload)
    await until(() => connection.status !== 'open')
    await until(() => relay.services.relay.circuitCount === 0)
  })
})
