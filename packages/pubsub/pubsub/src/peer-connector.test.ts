import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@weft/peer-id'
import { logger, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { PeerConnector } from './peer-connector.js'
import type { PeerStreams } from './peer-streams.js'

const SELF = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')
const PEER = peerIdFromString('12D3KooWQh3uJJbLYwprxHtGVKofmkERBqzQdCrf3qiApsK2ZXB5')

/** A connection whose `newStream` hands out one end of a stream pair and remembers it. */
function connection(name: string, limited = false) {
  const opened: Stream[] = []
  const conn = {
    remoteAddr: { toString: () => `/memory/${name}` },
    remotePeer: PEER,
    status: 'open',
    limits: limited ? { bytes: 1024n } : undefined,
    async newStream(protocols: string[]) {
      const [local] = streamPair()
      local.protocol = protocols[0]!
      opened.push(local)
      return local
    },
  }
  return { conn: conn as unknown as Connection & { status: string }, opened }
}

function connector(connections: () => Connection[], started = { value: true }) {
  const peers = new Map<string, PeerStreams>()
  let ready = 0
  const pc = new PeerConnector({
    peers,
    self: SELF,
    maxPeers: 10,
    maxInboundDataLength: 1024,
    maxOutboundBufferSize: 1024,
    maxInboundStreams: 1,
    streamOpenTimeout: 1000,
    runOnLimitedConnection: false,
    log: logger('test'),
    hooks: {
      isStarted: () => started.value,
      protocols: () => ['/test/1.0.0'],
      shutdownSignal: () => new AbortController().signal,
      onPeerAdded: () => {},
      onOutboundReady: () => {
        ready++
      },
      onFrame: () => {},
      onDrop: () => {},
      connectionsTo: () => connections(),
    },
  })
  return { pc, peers, ready: () => ready }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('PeerConnector', () => {
  it('reopens the outbound stream on a remaining direct connection when its connection goes', async () => {
    const relayed = connection('relayed', true)
    const direct = connection('direct')
    let connections: Connection[] = [relayed.conn, direct.conn]
    const { pc, peers, ready } = connector(() => connections)
    pc.onPeerConnected(PEER, relayed.conn)
    await settle()
    expect(relayed.opened).toHaveLength(1)
    const peer = peers.get(PEER.toString())!
    expect(peer.isWritable).toBe(true)

    // the relayed connection closes (DCUtR found a direct path): its stream goes with it
    relayed.conn.status = 'closed'
    connections = [direct.conn]
    relayed.opened[0]!.abort(new Error('connection closed'))
    await settle()
    expect(direct.opened).toHaveLength(1)
    expect(peer.isWritable).toBe(true)
    expect(peer.outbound).toBe(direct.opened[0])
    expect(ready()).toBe(2)
  })

  it('does not reopen on a limited connection unless it runs on those, nor once stopped', async () => {
    const relayed = connection('relayed', true)
    const started = { value: true }
    const first = connection('first')
    const { pc, peers } = connector(() => [relayed.conn], started)
    pc.onPeerConnected(PEER, first.conn)
    await settle()
    first.opened[0]!.abort(new Error('gone'))
    await settle()
    expect(relayed.opened).toHaveLength(0)
    expect(peers.get(PEER.toString())!.isWritable).toBe(false)

    const second = connection('second')
    const { pc: stopped } = connector(() => [second.conn], started)
    const other = connection('other')
    stopped.onPeerConnected(PEER, other.conn)
    await settle()
    started.value = false
    other.opened[0]!.abort(new Error('gone'))
    await settle()
    expect(second.opened).toHaveLength(0)
  })

  it('gives up after three young streams in a row', async () => {
    const direct = connection('direct')
    const { pc } = connector(() => [direct.conn])
    pc.onPeerConnected(PEER, direct.conn)
    await settle()
    for (let round = 0; round < 6; round++) {
      direct.opened.at(-1)!.abort(new Error('closed by the remote'))
      await settle()
    }
    // the first stream and three reopens; the fourth young close is not followed by another
    expect(direct.opened).toHaveLength(4)
  })
})
