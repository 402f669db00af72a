/** An in-process network for rendezvous tests: clients reach the server over stream pairs, no sockets. */
import type { Connection, PeerId, PrivateKey, Stream, StreamHandler } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, streamPair } from '@weft/utils'
import { Rendezvous, type RendezvousInit, RendezvousServer, type RendezvousServerInit } from '../src/index.js'

export interface TestPeer {
  peerId: PeerId
  privateKey: PrivateKey
}

export async function testPeer(): Promise<TestPeer> {
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

export class TestNetwork {
  private handler?: StreamHandler
  readonly server: RendezvousServer
  readonly serverPeer: TestPeer
  readonly clients: Rendezvous[] = []
  readonly consumed: Uint8Array[] = []

  private constructor(serverPeer: TestPeer, init: RendezvousServerInit) {
    this.serverPeer = serverPeer
    this.server = new RendezvousServer(
      {
        logger: defaultLogger(),
        registrar: {
          handle: async (_protocol, handler) => {
            this.handler = handler
          },
          unhandle: async () => {
            this.handler = undefined
          },
        },
      },
      init,
    )
  }

  static async create(init: RendezvousServerInit = {}): Promise<TestNetwork> {
    const network = new TestNetwork(await testPeer(), init)
    await network.server.start()
    return network
  }

  /** The server's address, as a client is configured with it. */
  get point(): string {
    return `/memory/rendezvous/p2p/${this.serverPeer.peerId.toString()}`
  }

  async client(init: RendezvousInit = {}, peer?: TestPeer): Promise<Rendezvous & { peer: TestPeer }> {
    const self = peer ?? (await testPeer())
    const client = new Rendezvous(
      {
        peerId: self.peerId,
        privateKey: self.privateKey,
        logger: defaultLogger(),
        addressManager: {
          getAddresses: () => [multiaddr(`/ip4/10.0.0.1/tcp/4001/p2p/${self.peerId.toString()}`)],
        },
        peerStore: {
          consumePeerRecord: async (buf) => {
            this.consumed.push(buf)
            return true
          },
        },
        connectionManager: {
          openStream: async (): Promise<Stream> => {
            const handler = this.handler
            if (handler == null) throw new Error('the rendezvous point is not listening')
            const [outbound, inbound] = streamPair()
            void handler(inbound as unknown as Stream, { remotePeer: self.peerId } as Connection)
            return outbound as unknown as Stream
          },
        },
      },
      init,
    )
    this.clients.push(client)
    return Object.assign(client, { peer: self })
  }

  /** Opens a raw stream to the server as `peer`. */
  rawStream(peer: PeerId): Stream {
    const [outbound, inbound] = streamPair()
    void this.handler?.(inbound as unknown as Stream, { remotePeer: peer } as Connection)
    return outbound as unknown as Stream
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.stop()
    await this.server.stop()
  }
}
