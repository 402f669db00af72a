// A @weft/playground app for the NAT lab, run inside a namespace and driven by
// JSON lines on stdin (see agent.ts). It loads the playground's built output by
// path (packages/app/playground/dist), so run `tsc -b` first (`pnpm test` does).
import { createInterface } from 'node:readline'

const { playground } = await import(
  new URL('../../../packages/app/playground/dist/src/index.js', import.meta.url).href
)

let app
const received = []

function reply(id, result) {
  process.stdout.write(`${JSON.stringify({ id, ok: true, result })}\n`)
}

function fail(id, err) {
  process.stdout.write(
    `${JSON.stringify({ id, ok: false, error: `${err?.name}: ${err?.message ?? err}` })}\n`,
  )
}

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

createInterface({ input: process.stdin }).on('line', (line) => {
  let request
  try {
    request = JSON.parse(line)
  } catch {
    return
  }
  const op = ops[request.op]
  if (op == null) return fail(request.id, new Error(`unknown op ${request.op}`))
  op(request).then(
    (result) => reply(request.id, result),
    (err) => fail(request.id, err),
  )
})

async function shutdown() {
  await app?.stop().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.stdin.on('end', shutdown)
