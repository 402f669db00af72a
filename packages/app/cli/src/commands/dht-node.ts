/**
 * The Mainline DHT node behind `weft dht …`: started only with bootstrap
 * nodes named on the command line. The public routers are contacted only
 * with --public-bootstrap, never by default. It runs read-only (BEP43): a
 * short-lived command should not enter others' routing tables.
 */
import { type MainlineDHT, mainlineDHT, PUBLIC_BOOTSTRAP_NODES } from '@weft/mainline-dht'
import type { Argv } from 'yargs'
import { CliError } from '../errors.js'
import { parseHostPort, resolveHost } from '../host-port.js'
import { checkIntegerFlag } from './flags.js'
import type { GlobalOptions } from './global.js'

export interface DhtOptions extends GlobalOptions {
  bootstrap: string[]
  publicBootstrap: boolean
  bind: string
  port: number
  nodesPerIp: number
}

export function withDhtOptions<T extends GlobalOptions>(yargs: Argv<T>): Argv<T & DhtOptions> {
  return yargs
    .option('bootstrap', {
      alias: 'b',
      type: 'string',
      array: true,
      default: [],
      describe: 'a DHT node to start from, host:port (repeatable)',
    })
    .option('public-bootstrap', {
      type: 'boolean',
      default: false,
      describe: `also start from the public routers (${PUBLIC_BOOTSTRAP_NODES.map((node) => `${node.host}:${node.port}`).join(', ')})`,
    })
    .option('bind', { type: 'string', default: '0.0.0.0', describe: 'IPv4 address of the UDP socket' })
    .option('port', { type: 'number', default: 0, describe: 'UDP port (0 picks one)' })
    .option('nodes-per-ip', {
      type: 'number',
      default: 1,
      describe: 'routing-table entries per IP (raise it for a swarm on one machine)',
    }) as unknown as Argv<T & DhtOptions>
}

/** Starts the node and bootstraps; fails with one line when no bootstrap node answers. */
export async function startDht(args: DhtOptions, signal: AbortSignal): Promise<MainlineDHT> {
  if (args.bootstrap.length === 0 && !args.publicBootstrap) {
    throw new CliError(
      'weft dht needs --bootstrap host:port (the public DHT is contacted only with --public-bootstrap)',
    )
  }
  checkIntegerFlag('port', args.port, 0, 65535)
  checkIntegerFlag('nodes-per-ip', args.nodesPerIp, 1, 1024)
  const named = args.bootstrap.map((text) => parseHostPort(text, '--bootstrap'))
  // KRPC accepts an answer only from the address asked, so names become addresses first
  const bootstrap = await Promise.all(named.map((node) => resolveHost(node, 'bootstrap node')))
  if (args.publicBootstrap) {
    const routers = await Promise.allSettled(
      PUBLIC_BOOTSTRAP_NODES.map((node) => resolveHost(node, 'public router')),
    )
    for (const router of routers) if (router.status === 'fulfilled') bootstrap.push(router.value)
  }
  const dht = mainlineDHT({
    host: args.bind,
    port: args.port,
    nodesPerIp: args.nodesPerIp,
    readOnly: true,
    refreshInterval: 0,
  })
  try {
    await dht.start({ signal })
  } catch (err) {
    throw new CliError(`cannot open UDP ${args.bind}:${args.port}: ${(err as Error).message}`)
  }
  try {
    const size = await dht.bootstrap(bootstrap, { signal })
    if (size === 0) {
      throw new CliError(
        `no bootstrap node answered (${bootstrap.map((node) => `${node.host}:${node.port}`).join(', ')})`,
      )
    }
  } catch (err) {
    await dht.stop()
    throw err
  }
  return dht
}

/** An infohash as 40 hex digits or 32 base32 letters (as in magnet links). */
export function parseInfohash(text: string): Uint8Array {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{40}$/.test(trimmed)) return Uint8Array.from(Buffer.from(trimmed, 'hex'))
  if (/^[A-Za-z2-7]{32}$/.test(trimmed)) return base32(trimmed.toUpperCase())
  throw new CliError(`an infohash is 40 hex digits or 32 base32 letters, got "${text}"`)
}

/** RFC 4648 base32, no padding: 32 letters are exactly 20 bytes. */
function base32(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const out = new Uint8Array((text.length * 5) >> 3)
  let bits = 0
  let value = 0
  let index = 0
  for (const char of text) {
    value = (value << 5) | alphabet.indexOf(char)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[index++] = (value >> bits) & 0xff
    }
  }
  return out
}
