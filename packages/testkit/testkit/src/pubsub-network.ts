/**
 * An in-process network of pubsub services for tests (of routers built on
 * @weft/pubsub's `PubSubBase`, and of applications): each node gets a key, a registrar that
 * keeps handlers and topologies, and `connect(a, b)` makes a pair of fake
 * connections whose `newStream` runs the far side's handler over a
 * `streamPair()`, then tells both sides' topologies, as a host's registrar
 * does after identify. No sockets, no muxer: only the pubsub wire.
 *
 * For tests only: nothing here is bounded for hostile input.
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  PeerId,
  PrivateKey,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
  Topology,
} from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, type StreamPairInit, streamPair } from '@weft/utils'

/** What a pubsub service takes (`PubSubComponents` of @weft/pubsub, written out so testkit needs no pubsub package). */
export interface PubSubNodeComponents {
  peerId: PeerId
  privateKey: PrivateKey
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
    register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
    unregister(id: string): void
  }
  logger: ComponentLogger
}

export interface TestNode<T> {
  peerId: PeerId
  privateKey: PrivateKey
  service: T
  handlers: Map<string, StreamHandler>
  topologies: Map<string, { protocol: string; topology: Topology }>
  connections: Map<string, TestConnection>
}

export interface TestConnection {
  connection: Connection
  close(): void
}

interface Service {
  start(): Promise<void>
  stop(): Promise<void>
}

export class TestNetwork<T extends Service> {
  readonly nodes: Array<TestNode<T>> = []
  private nextTopology = 0

  constructor(private readonly pairInit: StreamPairInit = {}) {}

  async addNode(
    factory: (components: PubSubNodeComponents) => T,
    options: { start?: boolean } = {},
  ): Promise<TestNode<T>> {
    const privateKey = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(privateKey)
    const handlers = new Map<string, StreamHandler>()
    const topologies = new Map<string, { protocol: string; topology: Topology }>()
    const components: PubSubNodeComponents = {
      peerId,
      privateKey,
      logger: defaultLogger(),
      registrar: {
        handle: async (protocol, handler) => {
          handlers.set(protocol, handler)
        },
        unhandle: async (protocol) => {
          handlers.delete(protocol)
        },
        register: async (protocol, topology) => {
          const id = `topology-${this.nextTopology++}`
          topologies.set(id, { protocol, topology })
          return id
        },
        unregister: (id) => {
          topologies.delete(id)
        },
      },
    }
    const node: TestNode<T> = {
      peerId,
      privateKey,
      service: factory(components),
      handlers,
      topologies,
      connections: new Map(),
    }
    this.nodes.push(node)
    if (options.start ?? true) await node.service.start()
    return node
  }

  /** Connects `a` (dialer) to `b` and tells both sides' topologies. */
  connect(a: TestNode<T>, b: TestNode<T>): void {
    if (a.connections.has(b.peerId.toString())) return
    const ab = this.connection(a, b, 'outbound')
    const ba = this.connection(b, a, 'inbound')
    const notify = (node: TestNode<T>, remote: TestNode<T>, conn: Connection): void => {
      for (const { protocol, topology } of node.topologies.values()) {
        if (remote.handlers.has(protocol)) void topology.onConnect?.(remote.peerId, conn)
      }
    }
    notify(a, b, ab.connection)
    notify(b, a, ba.connection)
  }

  disconnect(a: TestNode<T>, b: TestNode<T>): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const conn = x.connections.get(y.peerId.toString())
      if (conn == null) continue
      x.connections.delete(y.peerId.toString())
      conn.close()
      for (const { topology } of x.topologies.values()) void topology.onDisconnect?.(y.peerId)
    }
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) {
      for (const conn of node.connections.values()) conn.close()
      node.connections.clear()
      await node.service.stop()
    }
  }

  private connection(
    local: TestNode<T>,
    remote: TestNode<T>,
    direction: 'inbound' | 'outbound',
  ): TestConnection {
    const streams: Stream[] = []
    const pairInit = this.pairInit
    const connection = {
      id: `${local.peerId}-${remote.peerId}`,
      remotePeer: remote.peerId,
      remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001'),
      direction,
      status: 'open',
      streams,
      limits: undefined,
      log: defaultLogger().forComponent('test-connection'),
      async newStream(protocols: string | string[]): Promise<Stream> {
        const list = Array.isArray(protocols) ? protocols : [protocols]
        const protocol = list.find((p) => remote.handlers.has(p))
        if (protocol == null) throw new Error(`remote handles none of ${list.join(', ')}`)
        const back = remote.connections.get(local.peerId.toString())
        if (back == null) throw new Error('the connection closed')
        const [out, into] = streamPair(pairInit)
        out.protocol = protocol
        into.protocol = protocol
        streams.push(out)
        setImmediate(() => void remote.handlers.get(protocol)?.(into, back.connection))
        return out
      },
    } as unknown as Connection
    const entry: TestConnection = {
      connection,
      close: () => {
        for (const stream of streams.splice(0)) stream.abort(new Error('connection closed'))
      },
    }
    local.connections.set(remote.peerId.toString(), entry)
    return entry
  }
}
