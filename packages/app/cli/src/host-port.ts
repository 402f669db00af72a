/** `host:port` and `[v6]:port` as typed on the command line (`--stun`, `--bootstrap`). */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { CliError } from './errors.js'

export interface HostPort {
  host: string
  port: number
}

/** Parses `host:port` or `[v6]:port`; `option` names the flag in the error. */
export function parseHostPort(text: string, option: string): HostPort {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text)
  const port = Number(match?.[2])
  if (match == null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliError(`${option} expects host:port, got "${text}"`)
  }
  return { host: match[1]!, port }
}

/** The host as an IP address (names are resolved once); `what` names it in the error. */
export async function resolveHost(endpoint: HostPort, what: string): Promise<HostPort> {
  if (isIP(endpoint.host) !== 0) return endpoint
  try {
    const { address } = await lookup(endpoint.host)
    return { host: address, port: endpoint.port }
  } catch {
    throw new CliError(`cannot resolve ${what} ${endpoint.host}`)
  }
}
