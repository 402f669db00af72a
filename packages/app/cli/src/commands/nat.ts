/**
 * `weft nat --stun host:port`: the NAT report (RFC 5780 mapping, filtering,
 * hairpinning; P2PD's port allocation) against STUN servers named on the
 * command line. There is no built-in server: without --stun it says so.
 * `weft nat --report [--stun …] [--turn …]`: the whole network report of
 * @weft/network-report (interfaces, NAT per interface and family, TURN);
 * without --stun its NAT is 'unknown' and nothing is sent.
 */

import { getNetworkReport, renderText } from '@weft/network-report'
import { discoverNat, type Endpoint, type NatReport } from '@weft/stun'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { CliError } from '../errors.js'
import { parseHostPort, resolveHost } from '../host-port.js'
import { checkIntegerFlag } from './flags.js'
import type { GlobalOptions } from './global.js'

interface NatOptions extends GlobalOptions {
  stun: string[]
  turn: string[]
  samples: number
  report: boolean
}

export const command = 'nat'
export const describe = 'Report the NAT in front of this machine, using the STUN servers you name'

export function builder(yargs: Argv<GlobalOptions>): Argv<NatOptions> {
  return yargs
    .option('stun', {
      type: 'string',
      array: true,
      default: [],
      describe: 'STUN server host:port (repeatable; an RFC 5780 server gives the full report)',
    })
    .option('turn', {
      type: 'string',
      array: true,
      default: [],
      describe: 'TURN server host:port whose availability --report shows (repeatable)',
    })
    .option('report', {
      type: 'boolean',
      default: false,
      describe: 'the whole network report: interfaces (IPv6 first), NAT per interface and family, TURN',
    })
    .option('samples', {
      type: 'number',
      default: 5,
      describe: 'fresh sockets for the port-allocation measurement (0–16)',
    })
    .example(
      '$0 nat --stun stun.example.net:3478',
      'classify the NAT through that server',
    ) as Argv<NatOptions>
}

/** Parses `host:port` or `[v6]:port`; resolves names once. */
export async function parseServer(text: string): Promise<Endpoint> {
  const { host, port } = await resolveHost(parseHostPort(text, '--stun'), 'STUN server')
  return { address: host, port }
}

export function formatReport(server: string, report: NatReport): string {
  const lines = [`server        ${server}`, `reachable     ${report.reachable}`]
  if (report.mappedAddress != null)
    lines.push(`mapped        ${report.mappedAddress.address}:${report.mappedAddress.port}`)
  if (report.natted != null) lines.push(`behind NAT    ${report.natted}`)
  lines.push(`classic type  ${report.classic}`)
  if (report.mapping != null) lines.push(`mapping       ${report.mapping}`)
  if (report.filtering != null) lines.push(`filtering     ${report.filtering}`)
  if (report.hairpinning != null) lines.push(`hairpinning   ${report.hairpinning}`)
  if (report.allocation != null)
    lines.push(`allocation    ${report.allocation}${report.delta != null ? ` (delta ${report.delta})` : ''}`)
  return `${lines.join('\n')}\n`
}

/** `--report`: @weft/network-report's report, as text or (--json) its `weft.network-report/1` JSON. */
async function networkReportHandler(args: ArgumentsCamelCase<NatOptions>): Promise<void> {
  const toServer = (endpoint: Endpoint) => ({ host: endpoint.address, port: endpoint.port })
  const stunServers = (await Promise.all(args.stun.map(parseServer))).map(toServer)
  const turnServers = (await Promise.all(args.turn.map(parseServer))).map(toServer)
  const report = await getNetworkReport({
    stunServers,
    turnServers,
    allocationSamples: args.samples,
    signal: AbortSignal.timeout(120_000),
  })
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : renderText(report))
}

export async function handler(args: ArgumentsCamelCase<NatOptions>): Promise<void> {
  checkIntegerFlag('samples', args.samples, 0, 16)
  if (args.report) return networkReportHandler(args)
  if (args.stun.length === 0) {
    throw new CliError(
      'weft nat needs at least one --stun host:port (weft never contacts a server you did not name)',
    )
  }
  const results: Array<{ server: string; report?: NatReport; error?: string }> = []
  for (const text of args.stun) {
    const server = await parseServer(text)
    try {
      const report = await discoverNat({
        server,
        allocationSamples: args.samples,
        signal: AbortSignal.timeout(30_000),
      })
      results.push({ server: text, report })
      if (!args.json) process.stdout.write(formatReport(text, report))
    } catch (err) {
      results.push({ server: text, error: (err as Error).message })
      if (!args.json) process.stdout.write(`server        ${text}\nerror         ${(err as Error).message}\n`)
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify(results)}\n`)
  if (results.every((result) => result.report == null || !result.report.reachable)) {
    throw new CliError('no STUN server answered')
  }
}
