// A weft host for the NAT lab's reverse-connect test, run inside a namespace
// and driven by JSON lines on stdin (agent.ts): TCP, Noise, yamux, identify,
// and MQTT signalling through the lab's broker, which gives the host's
// connection ladder its `reverse` rung. No relay anywhere: a connection can
// only be direct. Loads the packages' built output (run `tsc -b` first).
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mqttSignalling } from '@weft/mqtt-signalling'
import { noise } from '@weft/noise'
import { peerIdFromString } from '@weft/peer-id'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { leftovers, namedError, serveAgent } from './agent-loop.mjs'

let host
/** dial-backs this host served: `{ peer, ok }` */
const served = []

function describeConnection(connection) {
  return {
    remotePeer: connection.remotePeer.toString(),
    remoteAddr: connection.remoteAddr.toString(),
    direction: connection.direction,
    direct: connection.direct,
    limited: connection.limits != null,
  }
}

const ops = {
  ping: async () => 'pong',

  // `broker`: the lab broker's URL; `ladder`: the host's ladder options
  start: async ({ listen, broker, ladder }) => {
    host = await createHost({
      addresses: { listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        // the lab's public addresses are a documentation range, which a
        // dial-back refuses unless private and special addresses are allowed
        signalling: mqttSignalling({ brokers: [broker], allowPrivateAddresses: true, startTimeout: 10_000 }),
      },
      ...(ladder == null ? {} : { connectionManager: { ladder } }),
    })
    host.services.signalling.addEventListener('dial-back', (event) =>
      served.push({ peer: event.detail.peer.toString(), ok: event.detail.ok }),
    )
    return {
      peerId: host.peerId.toString(),
      addrs: host.getMultiaddrs().map(String),
      brokers: host.services.signalling.connectedBrokers.length,
    }
  },

  // dials `peer` by id alone (with `addrs`, if any, in the peer store) through the ladder
  'ladder-dial': async ({ peer, addrs }) => {
    const id = peerIdFromString(peer)
    if (addrs.length > 0) await host.peerStore.merge(id, { multiaddrs: addrs.map((addr) => multiaddr(addr)) })
    const started = Date.now()
    const connection = await host.dial(id, { signal: AbortSignal.timeout(30_000) })
    return {
      dialMs: Date.now() - started,
      rung: connection.ladder?.rung,
      rungs: connection.ladder?.rungs,
      connection: describeConnection(connection),
    }
  },

  connections: async () => host.getConnections().map(describeConnection),

  served: async () => served,

  // what the process still holds after 'stop', waiting up to `settle` ms for it to drain
  leftovers: async ({ settle }) => leftovers(settle),

  stop: async () => {
    await host?.stop()
    return true
  },
}

serveAgent(ops, { describeError: namedError, shutdown: async () => host?.stop() })
