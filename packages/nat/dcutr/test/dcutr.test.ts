/**
 * DCUtR on TCP loopback: no NAT in the way, so every round succeeds; this
 * checks the protocol machinery (roles, the Connect/Sync exchange, dialing
 * from the relay connection's port) end to end. The NAT cases are in
 * test/lab/dcutr-lab.test.ts.
 */

import { circuitRelayServer, circuitRelayTransport, isCircuitAddress } from '@weft/circuit-relay'
import { CONNECTION_LADDER_EVENT, createHost, type Host, type LadderRecord } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type DCUtR, dcutr, type NatInfo, type UpgradeOutcome } from '../src/index.js'

const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function node(listen: string[], withRelay = false, natInfo?: NatInfo): Promise<Host<{ dcutr: DCUtR }>> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      dcutr: dcutr({
        relayGracePeriod: 100,
        allowPrivateAddresses: true,
        natInfo: natInfo == null ? undefined : () => natInfo,
      }),
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
    const identified = new Set<string>()
    dialer.addEventListener('peer:identify', (evt) => identified.add(evt.detail.connection.id))
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
    // the direct connection carries protocols that refuse limited connections (once
    // identify's own exchange on it, which takes the one outbound slot, is over)
    await until(() => identified.has(direct.id))
    await until(() => !direct.streams.some((stream) => stream.protocol === '/ipfs/id/1.0.0'))
    const stream = await direct.newStream('/ipfs/id/1.0.0')
    await stream.close()
    await until(() => relayed.status !== 'open')
  })

  it('ends a dial by peer id on the hole-punch rung of the host ladder', async () => {
    const relay = await node(['/ip4/127.0.0.1/tcp/0'], true)
    const listener = await node([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await node(['/ip4/127.0.0.1/tcp/0'])
    const records: LadderRecord[] = []
    dialer.addEventListener(CONNECTION_LADDER_EVENT as 'start', (evt) =>
      records.push((evt as unknown as CustomEvent<LadderRecord>).detail),
    )
    await dialer.peerStore.merge(listener.peerId, {
      multiaddrs: [listener.getMultiaddrs().find(isCircuitAddress)!],
    })
    const connection = await dialer.dial(listener.peerId)
    expect(connection.limits).toBeUndefined()
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ rung: 'hole-punch', limited: false })
    expect(records[0]!.rungs.map((rung) => [rung.name, rung.outcome])).toEqual([
      ['direct', 'skipped'],
      ['hole-punch', 'connected'],
      // the punch rung opened the dial's relayed connection itself and won before the relay rung's turn
      ['relay', 'not-reached'],
    ])
  })

  it('skips a punch both NAT reports call hopeless and ends on the relay rung at once', async () => {
    const random: NatInfo = {
      mapping: 'address-and-port-dependent',
      filtering: 'address-and-port-dependent',
      allocation: 'random',
    }
    const relay = await node(['/ip4/127.0.0.1/tcp/0'], true)
    const listener = await node([`${relay.getMultiaddrs()[0]}/p2p-circuit`], false, random)
    // no listen address: nothing for the listener's unilateral dial, so it starts a round
    const dialer = await node([], false, random)
    await dialer.dial(relay.getMultiaddrs()[0]!)
    const outcome = new Promise<UpgradeOutcome>((resolve) =>
      listener.services.dcutr.addEventListener('upgrade', (evt) => resolve(evt.detail), { once: true }),
    )
    await dialer.peerStore.merge(listener.peerId, {
      multiaddrs: [listener.getMultiaddrs().find(isCircuitAddress)!],
    })
    const started = Date.now()
    const connection = await dialer.dial(listener.peerId, { signal: AbortSignal.timeout(10_000) })
    const record = (connection as typeof connection & { ladder?: LadderRecord }).ladder
    expect(record?.rung).toBe('relay')
    expect(record?.rungs.find((rung) => rung.name === 'hole-punch')).toMatchObject({
      outcome: 'failed',
      error: /no punch/,
    })
    // neither the punch rung's timeout nor the ladder's relayedWait: the plan answered
    expect(Date.now() - started).toBeLessThan(1_900)
    expect(await outcome).toMatchObject({ outcome: 'relay', strategy: 'skip', attempts: 1 })
  })
})
