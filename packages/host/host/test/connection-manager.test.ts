import { createServer, type Server } from 'node:net'
import {
  type Connection,
  type PeerDiscoveryEvents,
  peerDiscoverySymbol,
  TypedEventEmitter,
} from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { stopAll, tcpHost } from './fixtures/hosts.js'
import { nextEvent } from './fixtures/peer.js'

class ManualDiscovery extends TypedEventEmitter<PeerDiscoveryEvents> {
  readonly [peerDiscoverySymbol] = this
}

const servers: Server[] = []
afterEach(async () => {
  await stopAll()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

async function until(condition: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(20)
  }
}

describe('connection manager watermarks', () => {
  it('prunes above the high watermark: lowest tag value first, then the oldest connection', async () => {
    const hub = await tcpHost({ connectionManager: { maxConnections: 2, minConnections: 0 } })
    const [a, b, c] = await Promise.all([tcpHost(), tcpHost(), tcpHost()])
    await hub.peerStore.merge(a.peerId, { tags: { keep: { value: 100 } } })
    const pruned = nextEvent<Connection[]>(hub, 'connection:prune')
    await hub.dial(a.getMultiaddrs()[0]!)
    await hub.dial(b.getMultiaddrs()[0]!)
    await hub.dial(c.getMultiaddrs()[0]!)
    // a is the oldest but tagged; b is the oldest untagged one
    expect((await pruned).map((connection) => connection.remotePeer.toString())).toEqual([
      b.peerId.toString(),
    ])
    await until(() => hub.getConnections().length === 2)
    expect(
      hub
        .getConnections()
        .map((connection) => connection.remotePeer.toString())
        .sort(),
    ).toEqual([a.peerId.toString(), c.peerId.toString()].sort())
  })

  it('backs off from a peer whose dial failed, and tries it again after the delay', async () => {
    let attempts = 0
    const server = createServer((socket) => {
      attempts++
      socket.destroy()
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const discovery = new ManualDiscovery()
    await tcpHost({
      services: { discovery: () => discovery },
      connectionManager: { minConnections: 5, autoDialInterval: 100, autoDialRetryDelay: 2000 },
    })
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const detail = { id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)] }
    const announce = (): void => {
      discovery.safeDispatchEvent('peer', { detail })
    }
    announce()
    await until(() => attempts === 1)
    // announced again and rechecked every 100 ms, but backing off for 2 s
    announce()
    await delay(300)
    expect(attempts).toBe(1)
    await until(() => attempts >= 2)
  })
})
