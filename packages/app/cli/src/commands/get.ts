/**
 * `weft get <id> [dest] --from <addr>`: joins the sharers named by --from
 * (and, with mDNS, those on the LAN), fetches the file from all of them at
 * once, each chunk checked against the id, with a progress bar on a
 * terminal (plain lines otherwise). Interrupted, it resumes next time from
 * `dest.part`.
 */
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { decodeFileId, type FileProgress, playground } from '@weft/playground'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { CliError } from '../errors.js'
import { formatBytes, formatRate, progressView } from '../progress.js'
import { stopSignal } from '../signals.js'
import { type FilesOptions, withFilesOptions } from './files-app.js'
import { checkNumberFlag } from './flags.js'
import type { GlobalOptions } from './global.js'
import { asCliError, checkAddresses, playgroundOptions, withPeerOptions } from './peer-options.js'

interface GetOptions extends FilesOptions {
  id: string
  dest?: string
  from: string[]
  force: boolean
  timeout: number
}

/** Exit code of an interrupted fetch (128 + SIGINT, as shells report it). */
export const INTERRUPTED = 130

export const command = 'get <id> [dest]'
export const describe = 'Fetch a shared file by its id, with a progress bar'

export function builder(yargs: Argv<GlobalOptions>): Argv<GetOptions> {
  return withFilesOptions(withPeerOptions(yargs))
    .positional('id', { type: 'string', demandOption: true, describe: 'the id `weft share` printed' })
    .positional('dest', {
      type: 'string',
      describe: 'where to save it (a folder: inside it; default ./weft-<first 16 hex of the root>)',
    })
    .option('from', {
      alias: 'f',
      type: 'string',
      array: true,
      default: [],
      describe: 'a sharer to join: host:port, a multiaddr or a peer id (repeatable)',
    })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite dest when it exists' })
    .option('timeout', {
      type: 'number',
      default: 30,
      describe: 'seconds without any source or chunk before giving up',
    })
    .example('$0 get weft-file:z… ./holiday.mkv --from /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…', 'fetch it')
    .example(
      '$0 get weft-file:z… ~/Downloads --from 192.0.2.7:4001',
      'into a folder',
    ) as unknown as Argv<GetOptions>
}

async function destination(dest: string | undefined, root: string, force: boolean): Promise<string> {
  const fallback = `weft-${root.slice(0, 16)}`
  let path = resolve(dest ?? fallback)
  if ((await stat(path).catch(() => undefined))?.isDirectory() === true) path = join(path, fallback)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.isDirectory() === true) throw new CliError(`${path} is a folder`)
  if (existing != null && !force) throw new CliError(`${path} exists (--force overwrites it)`)
  return path
}

export async function handler(args: ArgumentsCamelCase<GetOptions>): Promise<void> {
  let root: string
  try {
    root = Buffer.from(decodeFileId(args.id).root).toString('hex')
  } catch (err) {
    throw new CliError(`not a file id: ${args.id} (${(err as Error).message})`)
  }
  checkNumberFlag('timeout', args.timeout, 1, 86_400)
  checkAddresses(args.from, '--from')
  if (args.from.length === 0 && !args.mdns)
    throw new CliError('name a sharer with --from <address> (or leave mDNS on to find one on the LAN)')
  const dest = await destination(args.dest, root, args.force)

  const stop = stopSignal()
  const app = await playground(args.app, await playgroundOptions(args)).catch((err: unknown) => {
    stop.dispose()
    throw asCliError(err, `--app "${args.app}"`)
  })
  const view = args.json ? undefined : progressView({ stream: process.stdout })
  let last: FileProgress | undefined
  const started = Date.now()
  try {
    for (const address of args.from) {
      try {
        await app.join(address, { signal: stop.signal })
      } catch (err) {
        if (stop.signal.aborted) throw err
        throw new CliError(`cannot reach ${address}: ${(err as Error).message.split('\n')[0]}`)
      }
    }
    await app.getFile(args.id, dest, {
      signal: stop.signal,
      findTimeout: args.timeout * 1000,
      onProgress: (progress) => {
        last = progress
        view?.update(progress)
      },
    })
    view?.stop(last)
    const seconds = (Date.now() - started) / 1000
    const size = last?.total ?? (await stat(dest)).size
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ id: args.id, dest, size, seconds })}\n`)
    } else {
      const fetched = size - (last?.resumedBytes ?? 0)
      process.stdout.write(
        `saved ${dest} (${formatBytes(size)}) in ${seconds.toFixed(1)} s, ${formatRate(fetched / Math.max(seconds, 0.001))}\n`,
      )
    }
  } catch (err) {
    view?.stop()
    if (stop.signal.aborted)
      throw new CliError(
        `interrupted with ${formatBytes(last?.bytes ?? 0)} on disk; the same command resumes`,
        INTERRUPTED,
      )
    throw err
  } finally {
    stop.dispose()
    await app.stop()
  }
}
