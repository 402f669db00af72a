// A weft host for the TURN lab, run inside a namespace and driven by JSON
// lines (see agent.ts). Role 'peer': a plain TCP host (and a UDP echo);
// role 'client': a host whose only transport is @weft/turn's, plus a raw
// TurnClient over UDP. Loads the packages' built output (dist/): run `tsc -b`
// first (`pnpm test` does).
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { restCredentials, TurnClient, turnTransport } from '@weft/turn'
import { yamux } from '@weft/yamux'
import { namedError, serveAgent } from './agent-loop.mjs'

const ECHO = '/weft/lab/echo/1.0.0'
let host
let turn
let udpEcho

async function echo(stream) {
  try {
    for await (const chunk of stream) if (!stream.send(chunk)) await stream.onDrain()
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}

/** REST credentials; the first set handed out expired a minute ago, so the server's 401 makes the client ask again */
function credentialSource(secret) {
  let asked = 0
  return () => {
    const now = asked++ === 0 ? () => Date.now() - 60_000 : Date.now
    return restCredentials({ secret, user: 'lab', ttl: 30, now })
  }
}

const ops = {
  ping: async () => 'pong',

  start: async ({ role, listen, server, secret }) => {
    const transports =
      role === 'client'
        ? [
            (components) => {
              turn = turnTransport({ server, credentials: credentialSource(secret) })(components)
              return turn
            },
          ]
        : [tcp()]
    host = await createHost({
      addresses: { listen: listen ?? [] },
      transports,
      connectionEncrypters: [noise()],
      // coturn's TCP relay drops bytes once 192 KiB wait for a reader: a fixed window bounds what is in flight
      streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 256 * 1024 } })],
      services: { identify: identify(), ping: ping() },
    })
    await host.handle(ECHO, (stream) => void echo(stream))
    return { peerId: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) }
  },

  // whether a direct TCP connection to `address`:`port` gets through (the router should drop it)
  probe: async ({ address, port }) =>
    new Promise((resolve) => {
      const socket = connect({ host: address, port })
      const done = (ok) => {
        clearTimeout(timer)
        socket.destroy()
        resolve(ok)
      }
      const timer = setTimeout(() => done(false), 2_000)
      socket.once('connect', () => done(true))
      socket.once('error', () => done(false))
    }),

  'udp-echo': async ({ port }) => {
    udpEcho = createSocket('udp4')
    udpEcho.on('message', (data, rinfo) => udpEcho.send(data, rinfo.port, rinfo.address))
    await new Promise((resolve) => udpEcho.bind(port, resolve))
    return true
  },

  // a UDP allocation: permission, a Send indication, a channel, ChannelData, echoed back by the peer
  'udp-relay': async ({ server, secret, peer }) => {
    const client = new TurnClient({ server, credentials: restCredentials({ secret, user: 'udp', ttl: 60 }) })
    try {
      const allocation = await client.allocate({ signal: AbortSignal.timeout(10_000) })
      const nextData = () =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no data from the peer')), 5_000)
          client.addEventListener(
            'data',
            (evt) => {
              clearTimeout(timer)
              resolve(new TextDecoder().decode(evt.detail.data))
            },
            { once: true },
          )
        })
      await client.createPermission(peer)
      let answer = nextData()
      client.send(peer, new TextEncoder().encode('indication'))
      const byIndication = await answer
      await client.bindChannel(peer)
      answer = nextData()
      client.send(peer, new TextEncoder().encode('channel'))
      const byChannel = await answer
      return { relayed: allocation.relayed, mapped: allocation.mapped, byIndication, byChannel }
    } finally {
      await client.close()
    }
  },

  dial: async ({ addr }) => {
    const connection = await host.dial(multiaddr(addr), { signal: AbortSignal.timeout(15_000) })
    return {
      remotePeer: connection.remotePeer.toString(),
      remoteAddr: connection.remoteAddr.toString(),
      encryption: connection.encryption,
      multiplexer: connection.multiplexer,
      relayed: turn?.allocation?.relayed,
      stats: { ...turn?.client?.stats },
    }
  },

  'ping-peer': async ({ peer }) => {
    const { peerIdFromString } = await import('@weft/peer-id')
    return host.services.ping.ping(peerIdFromString(peer), { signal: AbortSignal.timeout(10_000) })
  },

  // the protocols identify learned from `peer`
  protocols: async ({ peer }) => {
    const { peerIdFromString } = await import('@weft/peer-id')
    const id = peerIdFromString(peer)
    for (let i = 0; i < 50; i++) {
      const known = await host.peerStore.get(id).catch(() => undefined)
      if (known != null && known.protocols.length > 0) return known.protocols
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return []
  },

  // who the peer sees on the other end of its connections
  'remote-addrs': async () => host.getConnections().map((c) => c.remoteAddr.toString()),

  echo: async ({ peer, size }) => {
    const { peerIdFromString } = await import('@weft/peer-id')
    const connection = host.getConnections(peerIdFromString(peer))[0]
    const stream = await connection.newStream(ECHO)
    const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
    let received = 0
    let same = true
    const reading = (async () => {
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] !== data[received + i]) same = false
        received += bytes.byteLength
      }
    })()
    for (let offset = 0; offset < size; offset += 65_536)
      if (!stream.send(data.subarray(offset, offset + 65_536))) await stream.onDrain()
    await stream.close()
    await reading
    return same && received === size
  },

  // refreshes the allocation now (after the nonce went stale: 438, then the new nonce)
  refresh: async () => {
    const lifetime = await turn.client.refresh({ signal: AbortSignal.timeout(10_000) })
    return { lifetime, stats: { ...turn.client.stats } }
  },

  stop: async () => {
    await host?.stop()
    udpEcho?.close()
    return true
  },
}

serveAgent(ops, { describeError: namedError, shutdown: async () => host?.stop() })
