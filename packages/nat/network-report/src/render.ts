/**
 * The report for people: a few aligned sections, IPv6 first, the same facts
 * as the JSON form (which is the report object itself, `JSON.stringify`).
 */
import type { NatEntry, NetworkReport } from './types.js'

function natLine(entry: NatEntry): string {
  const head = `  ${entry.interface} IPv${entry.family} (${entry.localAddress})`
  if (entry.status === 'pending') return `${head}: unknown (not measured yet)`
  if (entry.status === 'unconfigured')
    return `${head}: unknown (no STUN server configured for IPv${entry.family})`
  if (entry.status === 'failed') return `${head}: unknown (${entry.error?.message ?? 'failed'})`
  const parts: string[] = [entry.classic]
  if (entry.mapping != null) parts.push(`mapping ${entry.mapping}`)
  if (entry.filtering != null) parts.push(`filtering ${entry.filtering}`)
  if (entry.allocation != null)
    parts.push(`allocation ${entry.allocation}${entry.delta == null ? '' : ` (delta ${entry.delta})`}`)
  if (entry.hairpinning != null) parts.push(`hairpinning ${entry.hairpinning ? 'yes' : 'no'}`)
  const seen = entry.mappedAddress == null ? '' : `, seen as ${entry.mappedAddress}`
  return `${head}: ${parts.join(', ')}${seen} [via ${entry.server ?? '?'}]`
}

/** The report as text, one fact a line. */
export function renderText(report: NetworkReport): string {
  const lines = [`network report (${report.generatedAt})`, '', 'interfaces']
  if (report.interfaces.length === 0) lines.push('  (none)')
  for (const entry of report.interfaces) {
    lines.push(`  ${entry.name}`)
    for (const address of entry.addresses)
      lines.push(`    IPv${address.family}  ${(address.cidr ?? address.address).padEnd(44)} ${address.scope}`)
  }
  lines.push('', 'nat')
  if (report.nat.length === 0) lines.push('  (no routable interface)')
  for (const entry of report.nat) lines.push(natLine(entry))
  lines.push('', 'port mapping')
  if (!report.portMapping.present) lines.push('  (no port-mapping service)')
  else if (report.portMapping.addresses.length === 0) lines.push('  (no mapped address)')
  for (const address of report.portMapping.addresses) lines.push(`  ${address}`)
  lines.push('', 'reachability', `  host (AutoNAT v1): ${report.reachability.host}`)
  if (!report.reachability.perAddressPresent) lines.push('  per address: (no AutoNAT v2)')
  for (const entry of report.reachability.addresses)
    lines.push(`  ${entry.address}: ${entry.reachability} (confidence ${entry.confidence})`)
  lines.push('', 'turn')
  if (report.turn.length === 0) lines.push('  (no TURN server configured)')
  for (const entry of report.turn) {
    const state = entry.available
      ? `available${entry.authRequired ? ' (credentials required)' : ''}${entry.rtt == null ? '' : `, ${entry.rtt} ms`}`
      : `unavailable${entry.error == null ? '' : ` (${entry.error.message})`}`
    lines.push(`  ${entry.server}/${entry.transport}: ${state}`)
  }
  return `${lines.join('\n')}\n`
}
