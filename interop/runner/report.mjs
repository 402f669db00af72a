/**
 * Renders interop/RESULTS.md from a run: the matrix (one row per dialer,
 * one column per listener, per transport and muxer), failures with their
 * evidence, versions, build times, date and machine. Pure: tested in
 * matrix.test.ts.
 */
import { cellName } from './matrix.mjs'

/**
 * @param {{
 *   results: any[], peers: string[], versions: Record<string, Record<string, string>>,
 *   builds: Record<string, any>, date: string, machine: string, seconds: number,
 *   focus?: string, command: string,
 * }} run
 */
export function renderResults(run) {
  const { results, peers, versions, builds, date, machine, seconds, command } = run
  const focus = run.focus ?? 'weft'
  const passed = results.filter((r) => r.ok).length
  const lines = []
  lines.push('# Interop results')
  lines.push('')
  lines.push(`Written by \`${command}\` (interop/runner). Do not edit by hand.`)
  lines.push('')
  lines.push(`- date: ${date}`)
  lines.push(`- machine: ${machine}`)
  lines.push(
    `- cells: ${results.length}, passed: ${passed}, failed: ${results.length - passed}; the run took ${seconds.toFixed(0)} s`,
  )
  lines.push('')
  lines.push(
    "Each cell: the dialer connects to the listener over loopback, pings, both sides check the other's identify " +
      '(protocols, listen addresses, agent version; each cross-checked against what the other says about itself), ' +
      'and the dialer echoes 1 MiB on `/weft-interop/echo/1.0.0` and compares it byte for byte. ' +
      "A passing cell shows `handshake+1RTT / ping RTT` in ms (the transport-interop plan's " +
      '`handshakePlusOneRTTMillis` and `pingRTTMilllis`), measured by the dialer.',
  )
  lines.push('')

  const groups = new Map()
  for (const result of results) {
    // QUIC brings its own TLS 1.3 and streams: its cells have nothing else to name
    const key =
      result.cell.transport === 'quic-v1'
        ? 'quic-v1 (TLS 1.3 and streams built in)'
        : `${result.cell.transport}, ${result.cell.security}, ${result.cell.muxer}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key).push(result)
  }
  const compact = results.every((r) => r.cell.dialer === focus || r.cell.listener === focus)
  for (const [key, group] of groups) {
    lines.push(`## ${key}`)
    lines.push('')
    lines.push(...(compact ? focusTable(group, peers, focus) : gridTable(group, peers)))
    lines.push('')
  }
  lines.push(
    `A peer missing from a table does not support that combination (go-libp2p has no mplex since v0.30)${compact ? '' : '; `·` marks a pair not run'}. ` +
      'Security `tls` is libp2p TLS 1.3 (`/tls/1.0.0`); where both sides offer muxers in ALPN the muxer is agreed in the TLS handshake, else by multistream-select after it.',
  )
  lines.push('')

  const failures = results.filter((r) => !r.ok || r.flaky != null || r.staleIssue != null || r.notes != null)
  if (failures.length > 0) {
    lines.push('## Failures and notes')
    lines.push('')
    for (const result of failures) {
      lines.push(`### ${cellName(result.cell)}`)
      lines.push('')
      if (result.knownIssue != null) {
        lines.push(
          `Bug in ${result.knownIssue.stack}: ${result.knownIssue.summary} Evidence: ${result.knownIssue.evidence}`,
        )
        lines.push('')
      }
      if (result.staleIssue != null) {
        lines.push(
          `Passes although listed as a bug in ${result.staleIssue.stack} (${result.staleIssue.evidence}): remove the entry from interop/runner/known-issues.mjs.`,
        )
        lines.push('')
      }
      for (const note of result.notes ?? []) {
        lines.push(`Note: ${note}`)
        lines.push('')
      }
      if (result.flaky != null) {
        lines.push('Passed on the second attempt; the first failed with:')
        lines.push('')
        lines.push(...evidence(result.flaky))
      }
      if (!result.ok) lines.push(...evidence(result))
    }
  }

  lines.push('## Versions')
  lines.push('')
  lines.push('| peer | component | version |')
  lines.push('|---|---|---|')
  for (const peer of peers) {
    for (const [component, version] of Object.entries(versions[peer] ?? {})) {
      lines.push(`| ${peer} | ${component} | ${version} |`)
    }
  }
  lines.push('')
  lines.push('## Builds')
  lines.push('')
  lines.push(
    'Peers are built into a cache outside the clone (interop/runner/peers.mjs). A cold build starts from an empty ' +
      'build directory for that peer (Go build cache, cargo target directory, virtualenv); packages already in the ' +
      "machine's registry caches (Go modules, crates, pip) are not downloaded again. Later runs rebuild a peer only " +
      'when its sources change.',
  )
  lines.push('')
  lines.push('| peer | cold build | when | this run |')
  lines.push('|---|---|---|---|')
  for (const peer of peers) {
    const build = builds[peer] ?? {}
    const cold = build.coldSeconds != null ? `${build.coldSeconds} s` : '—'
    const when = build.coldAt != null ? build.coldAt.slice(0, 16).replace('T', ' ') : '—'
    const now =
      build.thisRun == null
        ? '—'
        : build.thisRun.built
          ? `built in ${build.thisRun.seconds.toFixed(1)} s`
          : 'up to date'
    lines.push(`| ${peer} | ${cold} | ${when} | ${now} |`)
  }
  lines.push('')
  return `${lines.join('\n')}`
}

/** One row per other peer: `focus` dialing it, and it dialing `focus`. */
function focusTable(group, peers, focus) {
  const find = (dialer, listener) =>
    group.find((r) => r.cell.dialer === dialer && r.cell.listener === listener)
  const lines = [`| peer | ${focus} dials peer | peer dials ${focus} |`, '|---|---|---|']
  for (const peer of peers) {
    const out = find(focus, peer)
    const back = peer === focus ? out : find(peer, focus)
    if (out == null && back == null) continue
    lines.push(
      `| **${peer}** | ${out == null ? '·' : cellText(out)} | ${back == null ? '·' : cellText(back)} |`,
    )
  }
  return lines
}

/** Every dialer (rows) against every listener (columns). */
function gridTable(group, peers) {
  const dialers = peers.filter((p) => group.some((r) => r.cell.dialer === p))
  const listeners = peers.filter((p) => group.some((r) => r.cell.listener === p))
  const lines = [
    `| dialer ↓ · listener → | ${listeners.join(' | ')} |`,
    `|---|${listeners.map(() => '---').join('|')}|`,
  ]
  for (const dialer of dialers) {
    const row = listeners.map((listener) => {
      const result = group.find((r) => r.cell.dialer === dialer && r.cell.listener === listener)
      return result == null ? '·' : cellText(result)
    })
    lines.push(`| **${dialer}** | ${row.join(' | ')} |`)
  }
  return lines
}

function cellText(result) {
  if (result.ok) {
    const times = `${fmt(result.handshakePlusOneRTTMillis)} / ${fmt(result.pingRTTMilllis)}`
    if (result.staleIssue != null) return `✅ ${times} (known issue stale)`
    if (result.notes != null) return `✅ ${times} (see note)`
    return result.flaky != null ? `✅ ${times} (flaky)` : `✅ ${times}`
  }
  if (result.knownIssue != null) return `❌ bug in ${result.knownIssue.stack}`
  return '❌ fail'
}

function fmt(ms) {
  return typeof ms === 'number' ? ms.toFixed(ms < 10 ? 1 : 0) : '?'
}

function evidence(result) {
  const out = []
  for (const problem of result.problems ?? []) out.push(`- ${problem}`)
  out.push('')
  for (const [who, tail] of [
    ['dialer', result.dialerStderr],
    ['listener', result.listenerStderr],
  ]) {
    if (tail == null || tail.length === 0) continue
    out.push(`<details><summary>${who} stderr (last lines)</summary>`)
    out.push('')
    out.push('```')
    out.push(...tail.slice(-15).map((line) => line.slice(0, 300)))
    out.push('```')
    out.push('')
    out.push('</details>')
    out.push('')
  }
  return out
}
