// A host for the NAT lab, run inside a namespace and driven by JSON lines on
// stdin (see agent.ts): weft by default, js-libp2p with the argument `js`. It
// loads the packages' built output (dist/) through their package names, so run
// `tsc -b` first (`pnpm test` does).
import { multiaddr } from '@multiformats/multiaddr'
import { autoNAT, autoNATv2 } from '@weft/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@weft/circuit-relay'
import { dcutr } from '@weft/dcutr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { quic } from '@weft/quic'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { dialIdentified, leftovers, namedError, serveAgent } from './agent-loop.mjs'

const ECHO = '/weft/lab/echo/1.0.0'

// the QUIC transport when a listen address is QUIC's, so the other suites' hosts stay TCP-only
function quicTransports(listen) {
  return listen.some((address) => address.includes('/quic-v1')) ? [quic()] : []
}

// `nat`: the NAT information DCUtR offers in its Connect (a @weft/stun report's
// fields); `ladder`: the host's connection ladder options
async function startWeft(listen, relay, relayInit, nat, ladder) {
  const services = {
    identify: identify(),
    autonat: autoNAT({ threshold: 1, dialTimeout: 3_000, refreshInterval: 0 }),
    autonatV2: autoNATv2({ dialTimeout: 3_000 }),
    dcutr: dcutr({
      punchTimeout: 4_000,
      relayGracePeriod: -1,
      ...(nat == null ? {} : { natInfo: () => nat }),
    }),
  }
  if (relay) services.relay = circuitRelayServer(relayInit ?? {})
  const node = await createHost({
    addresses: { listen },
    transports: [tcp(), ...quicTransports(listen), circuitRelayTransport({ timeout: 10_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services,
    ...(ladder == null ? {} : { connectionManager: { ladder } }),
  })
  node.addEventListener('connection:ladder', (evt) => ladders.push(evt.detail))
  node.addEventListener('connection:open', (evt) => {
    const connection = evt.detail
    if (connection.direct && !directAt.has(connection.remotePeer.toString()))
      directAt.set(connection.remotePeer.toString(), Date.now())
  })
  node.services.dcutr.addEventListener('upgrade', (evt) => {
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
  return node
}

// js-libp2p 3.x, a devDependency of this package (run with interop/polyfill.mjs on Node 20)
async function startJs(listen) {
  const [{ createLibp2p }, jsTcp, jsNoise, jsYamux, jsIdentify, jsRelay, jsDcutr] = await Promise.all([
    import('libp2p'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
    import('@libp2p/circuit-relay-v2'),
    import('@libp2p/dcutr'),
  ])
  return createLibp2p({
    addresses: { listen },
    transports: [jsTcp.tcp(), jsRelay.circuitRelayTransport()],
    connectionEncrypters: [jsNoise.noise()],
    streamMuxers: [jsYamux.yamux()],
    services: { identify: jsIdentify.identify(), dcutr: jsDcutr.dcutr() },
  })
}
let host
const outcomes = []
/** `connection:ladder` records, and when the first direct connection with each peer opened */
const ladders = []
const directAt = new Map()

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

function describeConnection(connection) {
  return {
    remotePeer: connection.remotePeer.toString(),
    remoteAddr: connection.remoteAddr.toString(),
    direct: connection.direct,
    limited: connection.limits != null,
  }
}

const ops = {
  ping: async () => 'pong',

  start: async ({ listen, relay, relayInit, nat, ladder }) => {
    host =
      process.argv[2] === 'js'
        ? await startJs(listen)
        : await startWeft(listen, relay, relayInit, nat, ladder)
    await host.handle(ECHO, (stream) => void echo(stream), { runOnLimitedConnection: true })
    return { peerId: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) }
  },

  addrs: async () => host.getMultiaddrs().map(String),

  connections: async () => host.getConnections().map(describeConnection),

  dial: async ({ addr }) =>
    describeConnection(await host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })),

  // a new connection to `addr`, identified (agent-loop.mjs)
  'dial-identified': async ({ addr }) => dialIdentified(host, multiaddr(addr)),

  // dials, sends `size` bytes over the echo protocol and checks they come back
  echo: async ({ addr, size }) => {
    const connection = await host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
    const stream = await connection.newStream(ECHO, { runOnLimitedConnection: true })
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
    if (!stream.send(data)) await stream.onDrain()
    await stream.close()
    await reading
    return { ...describeConnection(connection), echoed: same && received === size }
  },

  // dials `peer` by its id alone, `addrs` in the peer store, through the
  // connection ladder; then waits up to `directWithin` ms for a direct
  // connection with it (DCUtR goes on after a relayed dial returns)
  'ladder-dial': async ({ peer, addrs, directWithin }) => {
    const { peerIdFromString } = await import('@weft/peer-id')
    const id = peerIdFromString(peer)
    await host.peerStore.merge(id, { multiaddrs: addrs.map((addr) => multiaddr(addr)) })
    const started = Date.now()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error('the ladder dial took 30 s')), 30_000)
    const connection = await host.dial(id, { signal: controller.signal }).finally(() => clearTimeout(timer))
    const dialMs = Date.now() - started
    const record = connection.ladder
    const deadline = Date.now() + directWithin
    while (!directAt.has(peer) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    const direct = directAt.get(peer)
    return {
      rung: record?.rung,
      limited: record?.limited,
      dialMs,
      rungs: record?.rungs,
      directMs: direct == null ? null : Math.max(0, direct - started),
      connections: host.getConnections(id).map(describeConnection),
    }
  },

  // what the process still holds (after 'stop': sockets, servers, timers), waiting up to `settle` ms for it to drain
  leftovers: async ({ settle }) => leftovers(settle),

  // the DCUtR outcome for `peer` (this host received the relayed connection), waiting up to `timeout` ms
  outcome: async ({ peer, timeout }) => {
    const deadline = Date.now() + timeout
    while (Date.now() < deadline) {
      const found = outcomes.find((entry) => entry.peer === peer)
      if (found != null) return found
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return null
  },

  // asks `peer` (AutoNAT v2) whether `addr` is reachable
  'check-v2': async ({ peer, addr }) => {
    const { peerIdFromString } = await import('@weft/peer-id')
    const result = await host.services.autonatV2.check(peerIdFromString(peer), [multiaddr(addr)])
    return { ...result, address: result.address?.toString() }
  },

  // waits until AutoNAT has decided (or `timeout` ms passed) and returns its verdict
  reachability: async ({ timeout }) => {
    const deadline = Date.now() + timeout
    while (host.services.autonat.reachability === 'unknown' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return host.services.autonat.reachability
  },

  stop: async () => {
    await host?.stop()
    return true
  },
}

serveAgent(ops, { describeError: namedError, shutdown: async () => host?.stop() })
