import { multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type AutoNATv2, type AutoNATv2Init, autoNATv2, DialResponse, DialStatus } from '../src/index.js'

type V2Host = Host<{ autonat: AutoNATv2 }>
const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function node(listen: string[], init: AutoNATv2Init = {}): Promise<V2Host> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { autonat: autoNATv2({ allowPrivateAddresses: true, dialTimeout: 3_000, ...init }) },
  })
  hosts.push(host)
  return host as V2Host
}

function bare(host: Host): ReturnType<typeof multiaddr> {
  return multiaddr(host.getMultiaddrs()[0]!.toString().split('/p2p/')[0]!)
}

describe('AutoNAT v2 on TCP loopback', () => {
  it('confirms a reachable address with the nonce on the dial-back', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'])
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    await client.dial(server.getMultiaddrs()[0]!)
    const result = await client.services.autonat.check(server.peerId, [bare(client)])
    expect(result).toMatchObject({
      status: DialResponse.ResponseStatus.OK,
      dialStatus: DialStatus.OK,
      reachable: true,
    })
    expect(result.address?.toString()).toBe(bare(client).toString())
    expect(result.dialDataSent).toBe(0)
  })

  it('reports an address nobody listens on as unreachable', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'])
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    await client.dial(server.getMultiaddrs()[0]!)
    const result = await client.services.autonat.check(server.peerId, [multiaddr('/ip4/127.0.0.1/tcp/1')])
    expect(result).toMatchObject({ dialStatus: DialStatus.E_DIAL_ERROR, reachable: false })
  })

  it('makes the client pay dial data for an IP other than the one it is seen at', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { dialDataBytes: 10_000 })
    // listens on 127.0.0.2 too (all of 127/8 is loopback on Linux), but dials from 127.0.0.1
    const client = await node(['/ip4/127.0.0.2/tcp/0'])
    await client.dial(server.getMultiaddrs()[0]!)
    const result = await client.services.autonat.check(server.peerId, [bare(client)])
    expect(result).toMatchObject({ dialStatus: DialStatus.OK, reachable: true })
    expect(result.dialDataSent).toBeGreaterThanOrEqual(10_000)
  })

  it('refuses to pay more dial data than allowed', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { dialDataBytes: 200_000 })
    const client = await node(['/ip4/127.0.0.2/tcp/0'], { maxDialDataBytes: 50_000 })
    await client.dial(server.getMultiaddrs()[0]!)
    await expect(client.services.autonat.check(server.peerId, [bare(client)])).rejects.toMatchObject({
      name: 'DialRefusedError',
    })
  })

  it('refuses private and relayed addresses unless allowed', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { allowPrivateAddresses: false })
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    await client.dial(server.getMultiaddrs()[0]!)
    const result = await client.services.autonat.check(server.peerId, [bare(client)])
    expect(result).toEqual({ status: DialResponse.ResponseStatus.E_DIAL_REFUSED, dialDataSent: 0 })
  })

  it('dials one peer back at most maxDialBacksPerPeer times a minute', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { maxDialBacksPerPeer: 2 })
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    await client.dial(server.getMultiaddrs()[0]!)
    const statuses: DialResponse.ResponseStatus[] = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await client.services.autonat.check(server.peerId, [bare(client)])).status)
    }
    expect(statuses).toEqual([
      DialResponse.ResponseStatus.OK,
      DialResponse.ResponseStatus.OK,
      DialResponse.ResponseStatus.E_REQUEST_REJECTED,
    ])
  })
})
