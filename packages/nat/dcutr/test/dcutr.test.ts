/**
 * DCUtR on TCP loopback: no NAT in the way, so every round succeeds; this
 * checks the protocol machinery (roles, the Connect/Sync exchange, dialing
 * from the relay connection's port) end to end. The NAT cases are in
 * test/lab/dcutr-lab.test.ts.
 */

import { circuitRelayServer, circuitRelayTransport, isCircuitAddress } from '@weft/circuit-relay'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type DCUtR, dcutr, type UpgradeOutcome } from '../src/index.js'

const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function node(listen: string[], withRelay = false): Promise<Host<{ dcutr: DCUtR }>> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      dcutr: dcutr({ relayGracePeriod: 100, allowPrivateAddresses: true }),
      ...(withRelay ? { relay: circuitRelayServer() } : {}),
    },
  })
  hosts.push(host)
  return host as Host<{ dcutr: DCUtR }>
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('DCUtR on TCP loopback', () => {
  it('upgrades a relayed connection by dialing the public address the peer announced', async () => {
    const relay = await node(['/ip4/127.0.0.1/tcp/0'], true)
    const listener = await node([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await node(['/ip4/127.0.0.1/tcp/0'])
    const outcome = new Promise<UpgradeOutcome>((resolve) =>
      listener.services.dcutr.addEventListener('upgrade', (evt) => resolve(evt.detail), { once: true }),
    )
    const relayed = await dialer.dial(listener.getMultiaddrs().find(isCircuitAddress)!)
    expect(relayed.limits).toBeDefined()
    const result = await outcome
    expect(result).toMatchObject({ outcome: 'direct', method: 'unilateral', attempts: 0 })
    expect(result.peer.equals(dialer.peerId)).toBe(true)
    await until(() =>
      dialer.getConnections(listener.peerId).some((c) => c.limits == null && c.status === 'open'),
    )
    const direct = dialer.getConnections(listener.peerId).find((c) => c.limits == null)!
    expect(direct.direct).toBe(true)
    // the direct connection carries protocols that refuse limited connections
    const stream = await direct.newStream('/ipfs/id/1.0.0')
    await stream.close()
    await until(() => relayed.status !== 'open')
  })
})
