// A @weft/playground app for the NAT lab, run inside a namespace and driven by
// JSON lines on stdin (see agent.ts). It loads the playground's built output by
// path (packages/app/playground/dist), so run `tsc -b` first (`pnpm test` does).
import { namedError, serveAgent } from './agent-loop.mjs'

const { playground } = await import(
  new URL('../../../packages/app/playground/dist/src/index.js', import.meta.url).href
)

let app
const received = []

const ops = {
  ping: async () => 'pong',

  // starts the app; `listen` may hold a relay's circuit address, which makes a reservation there
  start: async ({ name, listen }) => {
    app = await playground(name, { listen, mdns: false })
    app.on('chat', (payload, from, { direct }) => received.push({ payload, from, direct }))
    return { peerId: app.peerId, addresses: app.addresses }
  },

  addresses: async () => app.addresses,

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
    await app?.stop()
    return true
  },
}

serveAgent(ops, { describeError: namedError, shutdown: async () => app?.stop() })
