import type { PeerId } from '@libp2p/interface'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type AutoNAT, type AutoNATInit, autoNAT, type Reachability } from '../src/index.js'

type AutoNATHost = Host<{ autonat: AutoNAT }>
const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function node(listen: string[], init: AutoNATInit = {}): Promise<AutoNATHost> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // every host here is on loopback, a private range
      autonat: autoNAT({ threshold: 1, dialTimeout: 3_000, allowPrivateAddresses: true, ...init }),
    },
  })
  hosts.push(host)
  return host as AutoNATHost
}

function nextReachability(host: AutoNATHost): Promise<Reachability> {
  return new Promise((resolve) =>
    host.services.autonat.addEventListener('reachability:change', (evt) => resolve(evt.detail), {
      once: true,
    }),
  )
}

async function connect(from: Host, to: Host): Promise<PeerId> {
  await from.dial(to.getMultiaddrs()[0]!)
  return to.peerId
}

describe('AutoNAT v1 on TCP loopback', () => {
  it('reports public when the server can dial a listen address back', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'])
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    const changed = nextReachability(client)
    const result = await client.services.autonat.check(await connect(client, server))
    expect(result).toMatchObject({ status: 'OK', reachable: true })
    expect(result.address?.toString()).toBe(client.getMultiaddrs()[0]!.toString())
    expect(await changed).toBe('public')
    expect(client.services.autonat.reachability).toBe('public')
  })

  it('reports private when every dial-back fails', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'])
    // listens nowhere: only its observed (ephemeral) address can be tried
    const client = await node([])
    await connect(client, server)
    const changed = nextReachability(client)
    const result = await client.services.autonat.check(server.peerId)
    expect(result.status).toBe('E_DIAL_ERROR')
    expect(result.reachable).toBe(false)
    expect(await changed).toBe('private')
  })

  it('decides on its own once identify names a server', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'])
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    const changed = nextReachability(client)
    await connect(client, server)
    expect(await changed).toBe('public')
  })

  it('does not answer when its server side is off', async () => {
    const quiet = await node(['/ip4/127.0.0.1/tcp/0'], { server: false })
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    await connect(client, quiet)
    await expect(client.services.autonat.check(quiet.peerId)).rejects.toThrow()
    expect(client.services.autonat.reachability).toBe('unknown')
  })

  it('refuses to dial back a requester seen at a private address unless allowed', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { allowPrivateAddresses: false })
    const client = await node(['/ip4/127.0.0.1/tcp/0'])
    const result = await client.services.autonat.check(await connect(client, server))
    expect(result.status).toBe('E_DIAL_REFUSED')
    expect(result.reachable).toBeUndefined()
  })

  it('dials one peer back at most maxDialBacksPerPeer times a minute', async () => {
    const server = await node(['/ip4/127.0.0.1/tcp/0'], { maxDialBacksPerPeer: 2 })
    const client = await node(['/ip4/127.0.0.1/tcp/0'], { server: false })
    const peer = await connect(client, server)
    const statuses: string[] = []
    for (let i = 0; i < 4; i++) statuses.push((await client.services.autonat.check(peer)).status)
    expect(statuses).toEqual(['OK', 'OK', 'E_DIAL_REFUSED', 'E_DIAL_REFUSED'])
  })
})
