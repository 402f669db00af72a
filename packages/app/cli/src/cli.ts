/**
 * The `weft` command line: yargs with one module per command. `main()`
 * returns the exit code instead of exiting, so tests and the bin share it.
 * Errors become one line on stderr (a stack only with --debug).
 */
import yargs from 'yargs'
import * as chat from './commands/chat.js'
import * as daemon from './commands/daemon.js'
import * as dht from './commands/dht.js'
import * as get from './commands/get.js'
import { globalOptions } from './commands/global.js'
import * as id from './commands/id.js'
import * as nat from './commands/nat.js'
import * as ping from './commands/ping.js'
import * as share from './commands/share.js'
import { CliError, describeError, exitCodeOf } from './errors.js'

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug')
  const parser = yargs(argv)
    .scriptName('weft')
    .usage('$0 <command> [options]\n\nweft: a peer-to-peer host that speaks libp2p.')
    .options(globalOptions)
    // biome-ignore lint/suspicious/noExplicitAny: yargs' command-module types do not compose across builders
    .command(id as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(daemon as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(ping as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(nat as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(chat as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(share as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(get as any)
    // biome-ignore lint/suspicious/noExplicitAny: see above
    .command(dht as any)
    .demandCommand(1, 'name a command (weft --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version('0.1.0')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? new CliError(`${message} (weft --help)`)
    })
  try {
    await parser.parseAsync()
    return 0
  } catch (err) {
    process.stderr.write(`weft: ${describeError(err)}\n`)
    if (debug && err instanceof Error && err.stack != null) process.stderr.write(`${err.stack}\n`)
    return exitCodeOf(err)
  }
}
