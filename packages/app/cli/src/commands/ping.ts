/** `weft ping <address>`: dial a peer and measure round trips with the libp2p ping protocol. */
import { multiaddr } from '@multiformats/multiaddr'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { CliError } from '../errors.js'
import { loadOrCreateIdentity } from '../identity.js'
import { createNode } from '../node.js'
import { checkIntegerFlag } from './flags.js'
import type { GlobalOptions } from './global.js'

interface PingOptions extends GlobalOptions {
  address: string
  count: number
  timeout: number
}

export const command = 'ping <address>'
export const describe = 'Ping a peer by multiaddr (…/p2p/<peer id>) and print each round trip'

export function builder(yargs: Argv<GlobalOptions>): Argv<PingOptions> {
  return yargs
    .positional('address', { type: 'string', demandOption: true, describe: 'the peer multiaddr' })
    .option('count', { alias: 'c', type: 'number', default: 3, describe: 'number of pings (1–1000)' })
    .option('timeout', { type: 'number', default: 10, describe: 'seconds each ping may take' })
    .example('$0 ping /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…', 'three pings') as Argv<PingOptions>
}

export async function handler(args: ArgumentsCamelCase<PingOptions>): Promise<void> {
  checkIntegerFlag('count', args.count, 1, 1000)
  let address: ReturnType<typeof multiaddr>
  try {
    address = multiaddr(args.address)
  } catch {
    throw new CliError(`not a multiaddr: ${args.address}`)
  }
  const identity = await loadOrCreateIdentity(args.key, false).catch(() => undefined)
  const node = await createNode({
    listen: [],
    ...(identity != null ? { privateKey: identity.privateKey } : {}),
  })
  const rtts: number[] = []
  try {
    for (let i = 0; i < args.count; i++) {
      let rtt: number
      try {
        rtt = await node.services.ping.ping(address, { signal: AbortSignal.timeout(args.timeout * 1000) })
      } catch (err) {
        throw new CliError(`ping ${args.address} failed: ${(err as Error).message.split('\n')[0]}`)
      }
      rtts.push(rtt)
      if (!args.json)
        process.stdout.write(
          `pong from ${address.getComponents().find((c) => c.name === 'p2p')?.value ?? args.address}: ${rtt.toFixed(2)} ms\n`,
        )
    }
  } finally {
    await node.stop()
  }
  const average = rtts.reduce((a, b) => a + b, 0) / rtts.length
  if (args.json) process.stdout.write(`${JSON.stringify({ address: args.address, rtts, average })}\n`)
  else process.stdout.write(`${rtts.length} pings, average ${average.toFixed(2)} ms\n`)
}
