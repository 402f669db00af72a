// The answering side of agent.ts's protocol, shared by the programs the lab
// runs inside its namespaces: each line on stdin is a request
// `{ id, op, ...args }`; `ops[op](request)` runs and its outcome goes back as
// one line `{ id, ok: true, result }` or `{ id, ok: false, error }`. On
// SIGTERM or the end of stdin, `shutdown` runs (its failure ignored) and the
// process exits.
import { createInterface } from 'node:readline'

/** The error text most agents send: the error's name and message. */
export const namedError = (err) => `${err?.name}: ${err?.message ?? err}`

/** The error text of the agents whose tests match the bare message. */
export const bareError = (err) => err?.message ?? String(err)

/**
 * @param {Record<string, (request: any) => Promise<unknown>>} ops
 * @param {{ describeError?: (err: any) => string, shutdown?: () => unknown }} [options]
 */
export function serveAgent(ops, { describeError = bareError, shutdown = () => {} } = {}) {
  const answer = (id, body) => process.stdout.write(`${JSON.stringify({ id, ...body })}\n`)
  createInterface({ input: process.stdin }).on('line', (line) => {
    let request
    try {
      request = JSON.parse(line)
    } catch {
      return
    }
    const op = ops[request.op]
    if (op == null) {
      answer(request.id, { ok: false, error: describeError(new Error(`unknown op ${request.op}`)) })
      return
    }
    op(request).then(
      (result) => answer(request.id, { ok: true, result }),
      (err) => answer(request.id, { ok: false, error: describeError(err) }),
    )
  })
  const exit = async () => {
    try {
      await shutdown()
    } catch {}
    process.exit(0)
  }
  process.on('SIGTERM', exit)
  process.stdin.on('end', exit)
}

/**
 * What the process still holds (TCP sockets, servers, timers, UDP sockets),
 * waiting up to `settle` ms for it to drain: the agents answer `leftovers`
 * with it after `stop`, so a test can check that a host let go of
 * everything. UDP sockets (a QUIC transport's, a birthday search's) appear
 * as `udp` only when some are left, so a clean process answers
 * `{ sockets: 0, servers: 0, timers: 0 }` and a leaked one fails that check.
 * Node 20 names a dgram handle `UDPWrap` here (`UDPWRAP` is its async_hooks
 * type), so both are counted.
 */
export async function leftovers(settle) {
  const count = () => {
    const kinds = process.getActiveResourcesInfo()
    const of = (...names) => kinds.filter((kind) => names.includes(kind)).length
    return {
      sockets: of('TCPSocketWrap'),
      servers: of('TCPServerWrap'),
      timers: of('Timeout'),
      udp: of('UDPWrap', 'UDPWRAP'),
    }
  }
  const deadline = Date.now() + settle
  let now = count()
  while (now.sockets + now.servers + now.timers + now.udp > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 50))
    now = count()
  }
  const { udp, ...rest } = now
  return udp > 0 ? { ...rest, udp } : rest
}

/**
 * Opens a new connection from `host` to `addr` (even with one to that peer
 * open) and waits up to 10 s for identify over it, so the host knows how
 * that peer sees it (over QUIC: its QUIC socket's mapping). Says why when
 * identify did not run: it runs identify once more and reports how that ends.
 */
export async function dialIdentified(host, addr) {
  const identified = new Set()
  const onIdentify = (evt) => identified.add(evt.detail.connection.id)
  host.addEventListener('peer:identify', onIdentify)
  try {
    const connection = await host.dial(addr, { signal: AbortSignal.timeout(10_000), force: true })
    const deadline = Date.now() + 10_000
    while (!identified.has(connection.id) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    const about = { remoteAddr: connection.remoteAddr.toString(), status: connection.status }
    if (identified.has(connection.id)) return { ...about, identified: true }
    const error = await host.services.identify
      .identify(connection, { signal: AbortSignal.timeout(5_000) })
      .then(
        () => 'identify ran when asked again',
        (err) => namedError(err),
      )
    return { ...about, identified: false, error }
  } finally {
    host.removeEventListener('peer:identify', onIdentify)
  }
}
