/**
 * Options of the commands that run a playground (chat, share, get): where to
 * listen, mDNS, and which key. A fresh key each run by default, so two
 * terminals on one machine are two peers; `--keep-id` uses the key file.
 */
import type { PlaygroundOptions } from '@weft/playground'
import { parseAddress } from '@weft/playground'
import type { Argv } from 'yargs'
import { CliError } from '../errors.js'
import { loadOrCreateIdentity } from '../identity.js'
import type { GlobalOptions } from './global.js'

export interface PeerOptions extends GlobalOptions {
  listen?: string[]
  mdns: boolean
  keepId: boolean
}

export function withPeerOptions<T extends GlobalOptions>(yargs: Argv<T>): Argv<T & PeerOptions> {
  return yargs
    .option('listen', {
      type: 'string',
      array: true,
      describe: 'multiaddrs to listen on (default every interface, TCP and WebSocket, a free port)',
    })
    .option('mdns', {
      type: 'boolean',
      default: true,
      describe: 'find peers on the LAN by multicast DNS (--no-mdns: only the addresses you give)',
    })
    .option('keep-id', {
      type: 'boolean',
      default: false,
      describe: 'use the identity in --key (the same peer id every run) instead of a fresh one',
    }) as unknown as Argv<T & PeerOptions>
}

export async function playgroundOptions(args: PeerOptions): Promise<PlaygroundOptions> {
  const identity = args.keepId ? await loadOrCreateIdentity(args.key) : undefined
  return {
    ...(args.listen != null && args.listen.length > 0 ? { listen: args.listen } : {}),
    mdns: args.mdns,
    ...(identity != null ? { privateKey: identity.privateKey } : {}),
  }
}

/** Checks addresses before anything starts, so a typo is one line and exit 1. */
export function checkAddresses(addresses: readonly string[], option: string): void {
  for (const address of addresses) {
    try {
      parseAddress(address)
    } catch (err) {
      throw new CliError(`${option}: ${(err as Error).message}`)
    }
  }
}

/** The playground's argument errors (a bad room name) as one line, exit 1. */
export function asCliError(err: unknown, what: string): unknown {
  if (err instanceof TypeError || err instanceof RangeError) return new CliError(`${what}: ${err.message}`)
  return err
}
