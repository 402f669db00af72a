/**
 * Commands whose features are still being built elsewhere (@weft/playground's
 * chat and file sharing, the Mainline DHT's BEP44 and crawler). Each is
 * listed in --help and exits 2 with one line until it is wired.
 */
import type { CommandModule } from 'yargs'
import { NotAvailableError } from '../errors.js'
import type { GlobalOptions } from './global.js'

function pending(
  command: string,
  describe: string,
  feature: string,
): CommandModule<GlobalOptions, GlobalOptions> {
  return {
    command,
    describe: `${describe} (not yet available)`,
    handler: () => {
      throw new NotAvailableError(feature)
    },
  }
}

export const pendingCommands: CommandModule<GlobalOptions, GlobalOptions>[] = [
  pending('chat <room>', 'Chat with everyone in a room', '`weft chat` (@weft/playground chat)'),
  pending('share <file>', 'Share a file and print its id', '`weft share` (@weft/playground file sharing)'),
  pending(
    'get <id> [dest]',
    'Fetch a shared file with a progress bar',
    '`weft get` (@weft/playground file sharing)',
  ),
  {
    command: 'dht <command>',
    describe: 'Mainline DHT commands (not yet available)',
    builder: (yargs) =>
      yargs
        .command(pending('get-peers <infohash>', 'Peers announcing an infohash', '`weft dht get-peers`'))
        .command(pending('crawl', 'Crawl the Mainline DHT', '`weft dht crawl`'))
        .demandCommand(1),
    handler: () => {},
  },
]
