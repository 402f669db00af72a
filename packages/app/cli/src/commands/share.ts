/**
 * `weft share <file>`: hashes the file into its id and serves it until
 * SIGINT or SIGTERM. Prints the id and the addresses to give to `weft get`
 * (--json: one object when ready).
 */
import { stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { playground } from '@weft/playground'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { CliError } from '../errors.js'
import { formatBytes } from '../progress.js'
import { stopSignal } from '../signals.js'
import { type FilesOptions, withFilesOptions } from './files-app.js'
import type { GlobalOptions } from './global.js'
import { asCliError, playgroundOptions, withPeerOptions } from './peer-options.js'

interface ShareOptions extends FilesOptions {
  file: string
}

export const command = 'share <file>'
export const describe = 'Share a file: print its id and the addresses to fetch it from, serve until Ctrl-C'

export function builder(yargs: Argv<GlobalOptions>): Argv<ShareOptions> {
  return withFilesOptions(withPeerOptions(yargs))
    .positional('file', { type: 'string', demandOption: true, describe: 'the file to share' })
    .example('$0 share ./holiday.mkv', 'prints `weft get weft-file:z… --from /ip4/…` for the other end')
    .example(
      '$0 share ./notes.txt --json',
      'one JSON line: id, size, addresses',
    ) as unknown as Argv<ShareOptions>
}

/** A regular file's size, or one line saying why it cannot be shared. */
export async function sharedFileSize(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch (err) {
    throw new CliError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  if (!info.isFile()) throw new CliError(`${path} is not a regular file`)
  return info.size
}

export async function handler(args: ArgumentsCamelCase<ShareOptions>): Promise<void> {
  const path = resolve(args.file)
  const size = await sharedFileSize(path)
  const stop = stopSignal()
  try {
    const app = await playground(args.app, await playgroundOptions(args)).catch((err: unknown) => {
      throw asCliError(err, `--app "${args.app}"`)
    })
    try {
      if (!args.json) process.stderr.write(`hashing ${basename(path)} (${formatBytes(size)})…\n`)
      const id = await app.shareFile(path, { signal: stop.signal })
      const addrs = app.addresses
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ id, file: path, size, peerId: app.peerId, addrs })}\n`)
      } else {
        process.stdout.write(`sharing ${basename(path)} (${formatBytes(size)}) as\n  ${id}\n`)
        process.stdout.write('fetch it with one of:\n')
        for (const addr of addrs) process.stdout.write(`  weft get ${id} --from ${addr}\n`)
        process.stdout.write('Ctrl-C stops sharing\n')
      }
      await stop.stopped
    } finally {
      await app.stop()
    }
  } catch (err) {
    if (stop.signal.aborted) return
    throw err
  } finally {
    stop.dispose()
  }
}
