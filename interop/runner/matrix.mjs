/**
 * The interop matrix as pure data and checks: which cells run, and whether a
 * finished case passed. No processes, no files: tested in matrix.test.ts.
 */

export const ECHO_PROTOCOL = '/weft-interop/echo/1.0.0'
export const ECHO_BYTES = 1024 * 1024
export const REQUIRED_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', ECHO_PROTOCOL]

/**
 * @typedef {{ transports: string[], securities: string[], muxers: string[] }} Capabilities
 * @typedef {{ dialer: string, listener: string, transport: string, security: string, muxer: string }} Cell
 */

/**
 * Every dialer/listener pair with `focus` (weft) on at least one side (every
 * pair when `focus` is null), over every transport × security × muxer both
 * support, in both directions. `transports` / `securities` keep only those
 * (e.g. `['tls']` for the libp2p TLS cells alone).
 * @param {Record<string, Capabilities>} peers
 * @param {{ focus?: string | null, transports?: string[], securities?: string[] }} [options]
 * @returns {Cell[]}
 */
export function cells(peers, options = {}) {
  const focus = options.focus === undefined ? 'weft' : options.focus
  const names = Object.keys(peers)
  const out = []
  for (const dialer of names) {
    for (const listener of names) {
      if (focus != null && dialer !== focus && listener !== focus) continue
      const a = peers[dialer]
      const b = peers[listener]
      for (const transport of intersect(a.transports, b.transports)) {
        if (options.transports != null && !options.transports.includes(transport)) continue
        // QUIC secures (TLS 1.3) and multiplexes by itself: one cell, nothing to pick
        if (transport === 'quic-v1') {
          out.push({ dialer, listener, transport, security: 'quic', muxer: 'quic' })
          continue
        }
        for (const security of intersect(a.securities, b.securities)) {
          if (options.securities != null && !options.securities.includes(security)) continue
          for (const muxer of intersect(a.muxers, b.muxers)) {
            out.push({ dialer, listener, transport, security, muxer })
          }
        }
      }
    }
  }
  return out
}

function intersect(a, b) {
  return a.filter((x) => b.includes(x))
}

/** The transport-interop plan's test name. @param {Cell} cell */
export function cellName(cell) {
  return `${cell.dialer} x ${cell.listener} (${cell.transport}, ${cell.security}, ${cell.muxer})`
}

/** `/ip4/…/tcp/…/p2p/Qm…` → `/ip4/…/tcp/…` */
export function withoutPeerId(addr) {
  const at = addr.lastIndexOf('/p2p/')
  return at === -1 ? addr : addr.slice(0, at)
}

/**
 * Parses the lines a peer printed: the first non-JSON line is the listen
 * address; JSON lines are reports. Lines that are neither are ignored.
 * @param {string} stdout
 */
export function parseOutput(stdout) {
  let address
  const reports = []
  for (const raw of stdout.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('{')) {
      try {
        reports.push(JSON.parse(line))
      } catch {
        // a torn or foreign line: not a report
      }
    } else if (address == null && line.startsWith('/') && line.includes('/p2p/')) {
      address = line
    }
  }
  return { address, reports }
}

/**
 * What is wrong with an identify report, or [] when it is complete.
 * @param {unknown} remote
 * @param {string} who
 */
export function identifyProblems(remote, who) {
  if (remote == null || typeof remote !== 'object') return [`${who}: no identify report`]
  const problems = []
  const { agentVersion, protocols, listenAddrs } = /** @type {any} */ (remote)
  if (typeof agentVersion !== 'string' || agentVersion === '') problems.push(`${who}: empty agent version`)
  if (!Array.isArray(protocols)) problems.push(`${who}: no protocol list`)
  else {
    for (const protocol of REQUIRED_PROTOCOLS) {
      if (!protocols.includes(protocol)) problems.push(`${who}: protocol ${protocol} missing`)
    }
  }
  if (!Array.isArray(listenAddrs) || listenAddrs.length === 0) problems.push(`${who}: no listen addresses`)
  return problems
}

/**
 * Judges a finished case from what both processes printed. Identify is
 * checked both ways and cross-checked: what each side learned about the
 * other must equal what the other says about itself.
 * @param {{ dialerExit: number | null, dialerStdout: string, listenerStdout: string }} run
 * @returns {{ ok: boolean, problems: string[], result?: any }}
 */
export function judge(run) {
  const problems = []
  const dialer = parseOutput(run.dialerStdout)
  const listener = parseOutput(run.listenerStdout)
  const result = dialer.reports.find((r) => typeof r.handshakePlusOneRTTMillis === 'number')
  const listenerReport = listener.reports.find((r) => r.remote != null && r.self != null)
  if (run.dialerExit === null) problems.push('dialer still running at the deadline')
  else if (run.dialerExit !== 0) problems.push(`dialer exited with ${run.dialerExit}`)
  if (result == null) problems.push('dialer printed no result line')
  if (listenerReport == null) problems.push('listener printed no identify report about the dialer')
  if (result != null) {
    if (typeof result.pingRTTMilllis !== 'number') problems.push('result: no pingRTTMilllis')
    if (result.echoBytes !== ECHO_BYTES)
      problems.push(`echo: ${result.echoBytes} bytes echoed, expected ${ECHO_BYTES}`)
    problems.push(...identifyProblems(result.remote, 'dialer identified listener'))
    if (listener.address != null) {
      const addr = withoutPeerId(listener.address)
      if (!(result.remote?.listenAddrs ?? []).includes(addr)) {
        problems.push(
          `dialer identified listener: listen address ${addr} missing from ${JSON.stringify(result.remote?.listenAddrs)}`,
        )
      }
    }
    if (listenerReport != null && result.remote?.agentVersion !== listenerReport.self.agentVersion) {
      problems.push(
        `dialer identified listener: agent ${JSON.stringify(result.remote?.agentVersion)}, listener says ${JSON.stringify(listenerReport.self.agentVersion)}`,
      )
    }
  }
  if (listenerReport != null) {
    problems.push(...identifyProblems(listenerReport.remote, 'listener identified dialer'))
    if (result != null) {
      if (listenerReport.remote.agentVersion !== result.self?.agentVersion) {
        problems.push(
          `listener identified dialer: agent ${JSON.stringify(listenerReport.remote.agentVersion)}, dialer says ${JSON.stringify(result.self?.agentVersion)}`,
        )
      }
      const own = result.self?.listenAddrs?.[0]
      if (own != null && !(listenerReport.remote.listenAddrs ?? []).includes(own)) {
        problems.push(
          `listener identified dialer: listen address ${own} missing from ${JSON.stringify(listenerReport.remote.listenAddrs)}`,
        )
      }
    }
  }
  return { ok: problems.length === 0, problems, result }
}
