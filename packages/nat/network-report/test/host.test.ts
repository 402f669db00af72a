/**
 * The service inside a real host: wired to the host's services, and with
 * `advertise` the mapped addresses reach what identify tells peers, without
 * any change to the host.
 */
import { autoNAT, autoNATv2 } from '@weft/autonat'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type NetworkReportService, networkReport, type ReportChange } from '../src/index.js'
import { FakePortMapping } from './fixtures.js'

const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

const MAPPED = '/ip4/198.51.100.7/tcp/40001'

describe('networkReport in a host', () => {
  it('finds the port mapping among the services, and identify advertises the mapped address', async () => {
    const portMapping = new FakePortMapping()
    let host:
      | Host<{ identify: unknown; portMapping: FakePortMapping; network: NetworkReportService }>
      | undefined
    host = await createHost({
      start: false,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        portMapping: () => portMapping,
        autonat: autoNAT(),
        autonatV2: autoNATv2(),
        network: networkReport({ services: () => host?.services, advertise: 'mapped' }),
      },
    })
    hosts.push(host)
    await host.start()
    const network = host.services.network
    expect(network.getReport().portMapping).toEqual({ present: true, addresses: [] })
    // the real AutoNAT services are found by their shape
    expect(network.getReport().reachability).toEqual({
      host: 'unknown',
      perAddressPresent: true,
      addresses: [],
    })

    const changed = new Promise<ReportChange>((resolve) =>
      network.addEventListener('change', (evt) => resolve(evt.detail), { once: true }),
    )
    portMapping.set([MAPPED])
    expect((await changed).parts).toContain('portMapping')
    expect(host.getMultiaddrs().map((a) => a.toString())).toContain(`${MAPPED}/p2p/${host.peerId}`)

    // a peer learns it over identify
    const peer = await createHost({
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    })
    hosts.push(peer)
    const identified = new Promise<void>((resolve) =>
      peer.addEventListener('peer:identify', () => resolve(), { once: true }),
    )
    await peer.dial(host.getMultiaddrs()[0]!)
    await identified
    const stored = await peer.peerStore.get(host.peerId)
    expect(stored.addresses.map((a) => a.multiaddr.toString())).toContain(MAPPED)

    // the mapping goes: so does the advertised address
    portMapping.set([])
    expect(
      host
        .getMultiaddrs()
        .map(String)
        .some((a) => a.startsWith(MAPPED)),
    ).toBe(false)
    await host.stop()
    expect(network.isStarted()).toBe(false)
  })

  it('without advertise leaves the host as it was', async () => {
    const portMapping = new FakePortMapping()
    const host = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      services: { network: networkReport({ portMapping }) },
    })
    hosts.push(host)
    portMapping.set([MAPPED])
    expect(host.services.network.getReport().portMapping.addresses).toEqual([MAPPED])
    expect(host.getMultiaddrs().some((a) => a.toString().startsWith(MAPPED))).toBe(false)
  })
})
