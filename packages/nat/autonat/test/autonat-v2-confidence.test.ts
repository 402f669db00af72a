/**
 * AutoNAT v2 per-address verdicts: real servers that dial back, and fake ones
 * that answer E_DIAL_ERROR without dialing, all on TCP loopback.
 */
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { encodeLengthPrefixed, StreamReader, sendAll } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type AddressReachabilityChange,
  type AutoNATv2,
  type AutoNATv2Init,
  autoNATv2,
  DIAL_REQUEST_PROTOCOL,
  DialResponse,
  DialStatus,
  MessageV2,
} from '../src/index.js'

type V2Host = Host<{ autonat: AutoNATv2 }>
const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function node(init: AutoNATv2Init = {}, server = true): Promise<V2Host> {
  const host = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { autonat: autoNATv2({ allowPrivateAddresses: true, dialTimeout: 3_000, server, ...init }) },
  })
  hosts.push(host)
  return host as V2Host
}

/** A server that says it dialed the first address and failed, without dialing anything. */
async function liar(): Promise<V2Host> {
  const host = await node({}, false)
  await host.handle(DIAL_REQUEST_PROTOCOL, (stream: Stream) => {
    void (async () => {
      const reader = new StreamReader(stream)
      MessageV2.decode(await reader.readLengthPrefixed(8192))
      reader.release()
      const answer = {
        dialResponse: {
          status: DialResponse.ResponseStatus.OK,
          addrIdx: 0,
          dialStatus: DialStatus.E_DIAL_ERROR,
        },
      }
      await sendAll(stream, encodeLengthPrefixed(MessageV2.encode(answer)))
      await stream.close()
    })().catch((err: Error) => stream.abort(err))
  })
  return host
}

function bare(host: Host): ReturnType<typeof multiaddr> {
  return multiaddr(host.getMultiaddrs()[0]!.toString().split('/p2p/')[0]!)
}

describe('AutoNAT v2 verdicts per address', () => {
  it('calls an address reachable once `confidence` distinct servers agree, and says so once', async () => {
    const client = await node({ confidence: 3, resultsPerAddress: 5 })
    const servers = [await node(), await node(), await node()]
    const changes: AddressReachabilityChange[] = []
    client.services.autonat.addEventListener('reachability:address', (evt) => changes.push(evt.detail))
    const address = bare(client)
    for (const [i, server] of servers.entries()) {
      await client.dial(server.getMultiaddrs()[0]!)
      expect((await client.services.autonat.check(server.peerId, [address])).reachable).toBe(true)
      expect(client.services.autonat.reachabilityOf(address)).toEqual({
        reachability: i < 2 ? 'unknown' : 'reachable',
        confidence: i + 1,
        results: i + 1,
      })
    }
    // the same server again adds nothing
    await client.services.autonat.check(servers[0]!.peerId, [address])
    expect(client.services.autonat.reachabilityOf(address)).toMatchObject({ confidence: 3, results: 3 })
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({ reachability: 'reachable', confidence: 3 })
    expect(changes[0]!.address.toString()).toBe(address.toString())
    expect(client.services.autonat.getAddressReachability()).toEqual([
      { address, reachability: 'reachable', confidence: 3, results: 3 },
    ])
  })

  it('weighs servers that disagree against one that agreed: unreachable once they outnumber it by confidence', async () => {
    const client = await node({ confidence: 2, resultsPerAddress: 5 })
    const honest = await node()
    const liars = [await liar(), await liar(), await liar(), await liar()]
    const changes: string[] = []
    client.services.autonat.addEventListener('reachability:address', (evt) =>
      changes.push(`${evt.detail.reachability}/${evt.detail.confidence}`),
    )
    const address = bare(client)
    await client.dial(honest.getMultiaddrs()[0]!)
    await client.services.autonat.check(honest.peerId, [address])
    for (const server of liars) {
      await client.dial(server.getMultiaddrs()[0]!)
      expect((await client.services.autonat.check(server.peerId, [address])).reachable).toBe(false)
    }
    // 1 yes, then 1–1, 1–2, 1–3 (margin 2: unreachable), 1–4
    expect(changes).toEqual(['unreachable/2'])
    expect(client.services.autonat.reachabilityOf(address)).toEqual({
      reachability: 'unreachable',
      confidence: 3,
      results: 5,
    })
    expect(client.services.autonat.reachabilityOf(multiaddr('/ip4/127.0.0.1/tcp/1'))).toEqual({
      reachability: 'unknown',
      confidence: 0,
      results: 0,
    })
  })
})
