// A @weft/playground app for the NAT lab, run inside a namespace and driven by
// JSON lines on stdin (see agent.ts); in the public namespace it can run a
// small Mainline DHT swarm instead (`swarm`). It loads the built output of
// @weft/playground and @weft/mainline-dht by path (packages/*/dist), so run
// `tsc -b` first (`pnpm test` does).
import { leftovers, namedError, serveAgent } from './agent-loop.mjs'

const { playground } = await import(
  new URL('../../../packages/app/playground/dist/src/index.js', import.meta.url).href
)
const { mainlineDHT } = await import(
  new URL('../../../packages/routing/mainline-dht/dist/src/index.js', import.meta.url).href
)

let app
const received = []
const swarm = []

async function stopAll() {
  await app?.stop()
  await Promise.all(swarm.splice(0).map(async (node) => node.stop()))
}

const ops = {
  ping: async () => 'pong',

  // starts the app; `listen` may hold a relay's circuit address, which makes a reservation there;
  // `mainline` (the playground's option) turns on topic discovery
  start: async ({ name, listen, mainline, joinTimeout }) => {
    app = await playground(name, { listen, mdns: false, mainline, joinTimeout })
    app.on('chat', (payload, from, { direct }) => received.push({ payload, from, direct }))
    return { peerId: app.peerId, addresses: app.addresses }
  },

  addresses: async () => app.addresses,

  // Mainline DHT nodes at each `host:port`, each joining through the first; answers their addresses
  swarm: async ({ nodes }) => {
    for (const text of nodes) {
      const [host, port] = text.split(':')
      const bootstrap = swarm.length > 0 ? swarm[0].addresses() : []
      const node = mainlineDHT({ host, port: Number(port), bootstrap })
      await node.start()
      swarm.push(node)
    }
    return swarm.flatMap((node) => node.addresses().map(({ host, port }) => `${host}:${port}`))
  },

  // the app's peers (those that run the app and are connected)
  peers: async ({ count, timeout }) => {
    const deadline = Date.now() + timeout
    while (app.peers.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return app.peers
  },

  join: async ({ address }) => app.join(address),

  send: async ({ text, to }) => {
    await app.send('chat', { text }, to == null ? {} : { to })
    return true
  },

  // waits until at least `count` chat messages came in (or `timeout` ms passed) and returns them all
  received: async ({ count, timeout }) => {
    const deadline = Date.now() + timeout
    while (received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return received
  },

  // the connections to `peer`: whether each is relayed (limited) and its remote address
  connections: async ({ peer }) =>
    app.host
      .getConnections()
      .filter((connection) => connection.remotePeer.toString() === peer)
      .map((connection) => ({
        remoteAddr: connection.remoteAddr.toString(),
        limited: connection.limits != null,
      })),

  stop: async () => {
    await stopAll()
    return true
  },

  // after `stop`: what the process still holds, UDP sockets (the DHT's) included
  leftovers: async ({ settle }) => ({
    ...(await leftovers(settle)),
    udp: process.getActiveResourcesInfo().filter((kind) => kind === 'UDPWrap').length,
  }),
}

serveAgent(ops, { describeError: namedError, shutdown: stopAll })
