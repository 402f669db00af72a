/**
 * Just enough of a host for service tests without one: a registrar, a peer
 * store with patch/merge semantics, an address manager, events, and
 * connection pairs whose `newStream` hands a `streamPair()` end to the other
 * node's registered handler.
 */
import {
  type Connection,
  type Libp2pEvents,
  NotFoundError,
  type Peer,
  type PeerData,
  type PeerId,
  type PrivateKey,
  type Stream,
  type StreamHandler,
  type StreamHandlerOptions,
  TypedEventEmitter,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, streamPair } from '@weft/utils'
import type { IdentifyComponents } from '../src/index.js'

export class FakeRegistrar {
  readonly handlers = new Map<string, { handler: StreamHandler; options?: StreamHandlerOptions }>()
  extraProtocols: string[] = []

  getProtocols(): string[] {
    return [...this.handlers.keys(), ...this.extraProtocols].sort()
  }

  async handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void> {
    this.handlers.set(protocol, { handler, options })
  }

  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }
}

export class FakePeerStore {
  readonly peers = new Map<string, Peer>()
  writes = 0

  async get(id: PeerId): Promise<Peer> {
    const peer = this.peers.get(id.toString())
    if (peer == null) throw new NotFoundError(`no peer ${id.toString()}`)
    return peer
  }

  async patch(id: PeerId, data: PeerData): Promise<Peer> {
    return this.write(id, data, false)
  }

  async merge(id: PeerId, data: PeerData): Promise<Peer> {
    return this.write(id, data, true)
  }

  private write(id: PeerId, data: PeerData, merge: boolean): Peer {
    this.writes++
    const peer: Peer = this.peers.get(id.toString()) ?? {
      id,
      addresses: [],
      protocols: [],
      metadata: new Map(),
      tags: new Map(),
    }
    if (data.addresses != null)
      peer.addresses = merge ? [...peer.addresses, ...data.addresses] : data.addresses
    if (data.protocols != null) {
      peer.protocols = merge ? [...new Set([...peer.protocols, ...data.protocols])] : data.protocols
    }
    if (data.metadata != null) {
      const entries = data.metadata instanceof Map ? [...data.metadata] : Object.entries(data.metadata)
      if (!merge) peer.metadata = new Map()
      for (const [key, value] of entries) if (value != null) peer.metadata.set(key, value)
    }
    if (data.peerRecordEnvelope != null) peer.peerRecordEnvelope = data.peerRecordEnvelope
    this.peers.set(id.toString(), peer)
    return peer
  }
}

export interface FakeNode {
  peerId: PeerId
  privateKey: PrivateKey
  registrar: FakeRegistrar
  peerStore: FakePeerStore
  events: TypedEventEmitter<Libp2pEvents>
  listenAddrs: Multiaddr[]
  observed: Multiaddr[]
  connections: Connection[]
  components: IdentifyComponents
}

export async function fakeNode(port: number, userAgent?: string): Promise<FakeNode> {
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey)
  const registrar = new FakeRegistrar()
  const peerStore = new FakePeerStore()
  const events = new TypedEventEmitter<Libp2pEvents>()
  const node: FakeNode = {
    peerId,
    privateKey,
    registrar,
    peerStore,
    events,
    listenAddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)],
    observed: [],
    connections: [],
    components: undefined as unknown as IdentifyComponents,
  }
  node.components = {
    peerId,
    privateKey,
    registrar,
    peerStore,
    events,
    logger: defaultLogger(),
    // as the host's address manager does, every address ends in /p2p/<our id>
    addressManager: {
      getAddresses: () => node.listenAddrs.map((addr) => addr.encapsulate(`/p2p/${peerId.toString()}`)),
      addObservedAddr: (addr) => node.observed.push(addr),
      getObservedAddrs: () => node.observed,
    },
    connectionManager: { getConnections: () => node.connections },
    ...(userAgent != null ? { nodeInfo: { name: 'test', version: '1', userAgent } } : {}),
  }
  return node
}

function fakeConnection(local: FakeNode, remote: FakeNode, remoteAddr: Multiaddr): Connection {
  let back: Connection | undefined
  const connection = {
    id: `${local.peerId.toString().slice(-4)}->${remote.peerId.toString().slice(-4)}`,
    status: 'open',
    direction: 'outbound',
    remotePeer: remote.peerId,
    remoteAddr,
    streams: [],
    log: defaultLogger().forComponent('fake-connection'),
    async newStream(protocols: string | string[]) {
      const protocol = Array.isArray(protocols) ? protocols[0]! : protocols
      const record = remote.registrar.handlers.get(protocol)
      if (record == null) throw new Error(`remote does not handle ${protocol}`)
      const [near, far] = streamPair()
      near.protocol = protocol
      far.protocol = protocol
      void record.handler(far, back!)
      return near
    },
    setBack(other: Connection) {
      back = other
    },
  }
  return connection as unknown as Connection
}

/** Connects `a` and `b`: returns [a's connection to b, b's connection to a]. */
export function connect(a: FakeNode, b: FakeNode): [Connection, Connection] {
  const ab = fakeConnection(a, b, b.listenAddrs[0]!)
  // b sees a's ephemeral port, not its listening one
  const ba = fakeConnection(b, a, multiaddr('/ip4/127.0.0.1/tcp/50000'))
  ;(ab as unknown as { setBack(c: Connection): void }).setBack(ba)
  ;(ba as unknown as { setBack(c: Connection): void }).setBack(ab)
  a.connections.push(ab)
  b.connections.push(ba)
  return [ab, ba]
}

/** A connection to `remotePeer` whose identify streams run `respond` on the far end. */
export function scriptedConnection(remotePeer: PeerId, respond: (stream: Stream) => void): Connection {
  return {
    id: 'scripted',
    status: 'open',
    remotePeer,
    remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4003'),
    streams: [],
    log: defaultLogger().forComponent('scripted-connection'),
    async newStream() {
      const [near, far] = streamPair()
      respond(far)
      return near
    },
  } as unknown as Connection
}
