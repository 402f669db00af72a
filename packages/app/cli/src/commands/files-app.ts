/** What `weft share` and `weft get` have in common: the playground app files are shared in. */
import type { Argv } from 'yargs'
import type { PeerOptions } from './peer-options.js'

/** Both ends must name the same app: it namespaces the file protocol. */
export const FILES_APP = 'weft-files'

export interface FilesOptions extends PeerOptions {
  app: string
}

export function withFilesOptions<T extends PeerOptions>(yargs: Argv<T>): Argv<T & FilesOptions> {
  return yargs.option('app', {
    type: 'string',
    default: FILES_APP,
    describe: 'the playground app the file is shared in (both ends must use the same)',
  }) as unknown as Argv<T & FilesOptions>
}
