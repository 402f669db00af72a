/**
 * A tiny in-process network for DHT tests without a host: each node gets
 * fake components (registrar, connection manager, peer store, address
 * manager, events) and a new stream is a `streamPair()` whose far end goes to
 * the remote node's registered handler.
 */
import {
  type ComponentLogger,
  type Connection,
  type DialTarget,
  NotFoundError,
  type PeerId,
  type Stream,
  type StreamHandler,
  type Topology,
  TypedEventEmitter,
} from '@libp2p/interface'
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@weft/peer-id'
import { defaultLogger, streamPair } from '@weft/utils'
import { KadDHT, type KadDHTInit } from '../src/index.js'

export interface FakeNode {
  peerId: PeerId
  dht: KadDHT
  handlers: Map<string, StreamHandler>
  addresses: Map<string, Multiaddr[]>
  /** streams the node opened, for assertions */
  dials: number
  online: boolean
}

export class FakeNetwork {
  readonly nodes = new Map<string, FakeNode>()

  /** Adds a node; `logger` lets a test read what the node logs. */
  async add(init: KadDHTInit = {}, logger: ComponentLogger = defaultLogger()): Promise<FakeNode> {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const handlers = new Map<string, StreamHandler>()
    const addresses = new Map<string, Multiaddr[]>()
    const network = this
    const self = `/memory/${peerId.toString()}`
    const node: FakeNode = { peerId, handlers, addresses, dials: 0, online: true, dht: undefined as never }
    node.dht = new KadDHT(
      {
        peerId,
        logger,
        events: new TypedEventEmitter(),
        registrar: {
          async handle(protocol, handler) {
            handlers.set(protocol, handler)
          },
          async unhandle(protocol) {
            handlers.delete(protocol)
          },
          async register(_protocol: string, _topology: Topology) {
            return 'topology'
          },
          unregister() {},
        },
        connectionManager: {
          async openConnection(target: DialTarget) {
            node.dials++
            return network.connect(node, target)
          },
          getConnections() {
            return []
          },
        },
        peerStore: {
          async get(id: PeerId) {
            const addrs = addresses.get(id.toString())
            if (addrs == null) throw new NotFoundError('unknown peer')
            return { id, addresses: addrs.map((multiaddr) => ({ multiaddr, isCertified: false })) } as never
          },
          async merge(id: PeerId, data: { multiaddrs?: Multiaddr[] }) {
            addresses.set(id.toString(), data.multiaddrs ?? [])
            return {} as never
          },
        },
        addressManager: {
          getAddresses: () => [multiaddr(`${self}/p2p/${peerId.toString()}`)],
        },
      },
      { initialRefreshDelay: 0, refreshInterval: 0, requestTimeout: 2_000, ...init },
    )
    this.nodes.set(peerId.toString(), node)
    return node
  }

  /** Tells `a` about `b` as a DHT server (what the topology does on a host). */
  introduce(a: FakeNode, b: FakeNode): void {
    a.addresses.set(b.peerId.toString(), [multiaddr(`/memory/${b.peerId.toString()}`)])
    a.dht.addPeer(b.peerId)
  }

  async connect(from: FakeNode, target: DialTarget): Promise<Connection> {
    let remote: PeerId
    if (isMultiaddr(target) || Array.isArray(target)) {
      const addr = (Array.isArray(target) ? target[0] : target) as Multiaddr
      const p2p = addr.getComponents().find((c) => c.name === 'p2p')?.value
      if (p2p == null) throw new Error('no peer id in the address')
      remote = peerIdFromString(p2p)
    } else {
      remote = target as PeerId
    }
    const node = this.nodes.get(remote.toString())
    if (node == null || !node.online) throw new Error(`cannot dial ${remote.toString()}`)
    const connection = (remotePeer: PeerId, peer: FakeNode): Connection =>
      ({
        remotePeer,
        status: 'open',
        limits: undefined,
        newStream: async (protocol: string) => {
          const [outbound, inbound] = streamPair()
          const handler = peer.handlers.get(protocol)
          if (handler == null || !peer.online) throw new Error(`${protocol} is not supported`)
          inbound.protocol = protocol
          outbound.protocol = protocol
          void handler(inbound as unknown as Stream, connection(from.peerId, from))
          return outbound as unknown as Stream
        },
      }) as unknown as Connection
    return connection(remote, node)
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async (node) => node.dht.start()))
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async (node) => node.dht.stop()))
  }
}
