/**
 * Automatic reservations driven by reachability: with `autoReserve:
 * 'when-private'` a bare `/p2p-circuit` listener reserves on a connected relay
 * once AutoNAT reports the host private, and never while it is public.
 */

import {
  type CircuitRelayServer,
  circuitRelayServer,
  circuitRelayTransport,
  isCircuitAddress,
} from '@weft/circuit-relay'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { delay } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type AutoNAT, autoNAT } from '../src/index.js'

async function until(condition: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(20)
  }
}

const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function relay(): Promise<Host<{ relay: CircuitRelayServer; autonat: AutoNAT }>> {
  const host = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      autonat: autoNAT({ dialTimeout: 2_000, allowPrivateAddresses: true }),
      relay: circuitRelayServer(),
    },
  })
  hosts.push(host)
  return host
}

async function client(listen: string[]): Promise<Host<{ autonat: AutoNAT }>> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport({ autoReserve: 'when-private' })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), autonat: autoNAT({ threshold: 1, server: false }) },
  })
  hosts.push(host)
  return host
}

describe("autoReserve: 'when-private'", () => {
  it('reserves on a connected relay once AutoNAT says the host is private', async () => {
    const server = await relay()
    // listens on no socket: every dial-back fails, so AutoNAT says private
    const host = await client(['/p2p-circuit'])
    await host.dial(server.getMultiaddrs()[0]!)
    await until(() => host.services.autonat.reachability === 'private')
    await until(() => host.getMultiaddrs().some(isCircuitAddress))
    expect(server.services.relay.hasReservation(host.peerId)).toBe(true)
  })

  it('does not reserve while the host is public', async () => {
    const server = await relay()
    const host = await client(['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'])
    await host.dial(server.getMultiaddrs()[0]!)
    await until(() => host.services.autonat.reachability === 'public')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(server.services.relay.reservationCount).toBe(0)
    expect(host.getMultiaddrs().some(isCircuitAddress)).toBe(false)
  })
})
