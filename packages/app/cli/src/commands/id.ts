/** `weft id`: create or show the identity in the key file. */
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { loadOrCreateIdentity } from '../identity.js'
import type { GlobalOptions } from './global.js'

export const command = 'id'
export const describe = 'Create (first run) or show the peer id kept in the key file'

export function builder(yargs: Argv<GlobalOptions>): Argv<GlobalOptions & { create: boolean }> {
  return yargs
    .option('create', { type: 'boolean', default: true, describe: 'create the key file when it is missing' })
    .example('$0 id', 'print the peer id, creating ~/.config/weft/identity.key on first run')
    .example('$0 id --key ./alice.key --json', 'use another key file, print JSON')
}

export async function handler(args: ArgumentsCamelCase<GlobalOptions & { create: boolean }>): Promise<void> {
  const identity = await loadOrCreateIdentity(args.key, args.create)
  if (args.json) {
    const { peerId, keyFile, created } = identity
    process.stdout.write(`${JSON.stringify({ peerId, keyFile, created, type: identity.privateKey.type })}\n`)
    return
  }
  if (identity.created)
    process.stderr.write(`created a new ${identity.privateKey.type} key in ${identity.keyFile}\n`)
  process.stdout.write(`${identity.peerId}\n`)
}
