/**
 * Prints the network report, as text or JSON (`--json`): the CLI-less
 * `weft nat`. STUN and TURN servers are named on the command line only;
 * with none, the NAT is reported 'unknown' and nothing is sent anywhere.
 *
 *   npx tsx packages/nat/network-report/examples/nat-report.ts \
 *     --stun 198.51.100.1:3478 [--stun [2001:db8::1]:3478] [--turn 198.51.100.1:3478] [--samples 5] [--json]
 *
 * (after `npx tsc -b packages/nat/network-report`, also
 * `node packages/nat/network-report/dist/examples/nat-report.js …`)
 */
import { getNetworkReport, renderText, type ServerAddress } from '../src/index.js'

function parseServer(text: string): ServerAddress {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text)
  if (match == null) throw new TypeError(`expected ip:port or [ipv6]:port, got "${text}"`)
  return { host: match[1]!, port: Number(match[2]) }
}

function parseArgs(argv: string[]): {
  stunServers: ServerAddress[]
  turnServers: ServerAddress[]
  allocationSamples: number
  json: boolean
} {
  const out = {
    stunServers: [] as ServerAddress[],
    turnServers: [] as ServerAddress[],
    allocationSamples: 5,
    json: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--json') out.json = true
    else if (arg === '--stun') out.stunServers.push(parseServer(argv[++i] ?? ''))
    else if (arg === '--turn') out.turnServers.push(parseServer(argv[++i] ?? ''))
    else if (arg === '--samples') out.allocationSamples = Number(argv[++i])
    else throw new TypeError(`unknown argument ${arg}`)
  }
  return out
}

const { json, ...options } = parseArgs(process.argv.slice(2))
const report = await getNetworkReport({ ...options, signal: AbortSignal.timeout(120_000) })
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report))
