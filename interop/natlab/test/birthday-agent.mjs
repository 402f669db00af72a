// A weft host for birthday-lab.test.ts, run inside a namespace and driven by
// JSON lines on stdin (agent.ts): TCP and QUIC listeners, the circuit relay
// transport, identify and DCUtR with the NAT report it is given (so the
// punch plan can pick the UDP birthday search). It records DCUtR's outcome
// and, after `stop`, reports every handle left, UDP sockets included. Loads
// the packages' built output (dist/): run `tsc -b` first.
import { multiaddr } from '@multiformats/multiaddr'
import { circuitRelayTransport } from '@weft/circuit-relay'
import { dcutr } from '@weft/dcutr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { quic } from '@weft/quic'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { dialIdentified, namedError, serveAgent } from './agent-loop.mjs'

const ECHO = '/weft/lab/echo/1.0.0'
let host
const outcomes = []

async function echo(stream) {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}

const describeConnection = (connection) => ({
  remotePeer: connection.remotePeer.toString(),
  remoteAddr: connection.remoteAddr.toString(),
  direct: connection.direct,
  limited: connection.limits != null,
})

/** Handles of each kind still open, waiting up to `settle` ms for them to go. */
async function leftovers(settle) {
  const count = () => {
    const kinds = process.getActiveResourcesInfo()
    const of = (kind) => kinds.filter((entry) => entry === kind).length
    // Node 20 reports a dgram handle as UDPWrap (UDPWRAP is its async_hooks name)
    return {
      tcp: of('TCPSocketWrap') + of('TCPServerWrap'),
      udp: of('UDPWrap') + of('UDPWRAP'),
      timers: of('Timeout'),
    }
  }
  const deadline = Date.now() + settle
  let now = count()
  while (now.tcp + now.udp + now.timers > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    now = count()
  }
  return now
}

const ops = {
  ping: async () => 'pong',

  start: async ({ listen, nat, birthday }) => {
    host = await createHost({
      addresses: { listen },
      transports: [tcp(), quic(), circuitRelayTransport({ timeout: 10_000 })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        dcutr: dcutr({
          punchTimeout: 4_000,
          relayGracePeriod: -1,
          ...(nat == null ? {} : { natInfo: () => nat }),
          ...(birthday == null ? {} : { birthday }),
        }),
      },
    })
    host.services.dcutr.addEventListener('upgrade', (evt) => {
      const { peer, outcome, method, attempts, strategy, connection, error } = evt.detail
      outcomes.push({
        peer: peer.toString(),
        outcome,
        method,
        attempts,
        strategy,
        remoteAddr: connection?.remoteAddr.toString(),
        error: error?.message,
      })
    })
    await host.handle(ECHO, (stream) => void echo(stream), { runOnLimitedConnection: true })
    return { peerId: host.peerId.toString() }
  },

  connections: async () => host.getConnections().map(describeConnection),

  // a new connection to `addr`, identified (agent-loop.mjs)
  'dial-identified': async ({ addr }) => dialIdentified(host, multiaddr(addr)),

  // dials (through the relay), sends `size` bytes over the echo protocol and checks they come back
  echo: async ({ addr, size }) => {
    const connection = await host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
    const stream = await connection.newStream(ECHO, { runOnLimitedConnection: true })
    const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
    const received = []
    const reading = (async () => {
      for await (const chunk of stream)
        received.push(...(chunk instanceof Uint8Array ? chunk : chunk.subarray()))
    })()
    if (!stream.send(data)) await stream.onDrain()
    await stream.close()
    await reading
    const echoed = received.length === size && received.every((byte, i) => byte === data[i])
    return { ...describeConnection(connection), echoed }
  },

  // the DCUtR outcome for `peer`, waiting up to `timeout` ms
  outcome: async ({ peer, timeout }) => {
    const deadline = Date.now() + timeout
    while (Date.now() < deadline) {
      const found = outcomes.find((entry) => entry.peer === peer)
      if (found != null) return found
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return null
  },

  leftovers: async ({ settle }) => leftovers(settle),

  stop: async () => {
    await host?.stop()
    return true
  },
}

serveAgent(ops, { describeError: namedError, shutdown: async () => host?.stop() })
