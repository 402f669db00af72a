/**
 * `weft daemon`: the host, P2PD's REST API on 127.0.0.1:12333 (bearer token,
 * /metrics, a dashboard at /) and, with --listen-unix (or go-libp2p-daemon's
 * -sock), the libp2p daemon protocol. Prints one line when ready (--json: an
 * object) and stops cleanly on SIGINT or SIGTERM.
 */
import { join } from 'node:path'
import type { ArgumentsCamelCase, Argv } from 'yargs'
import { startDaemon } from '../daemon/daemon.js'
import { loadOrCreateToken } from '../daemon/security.js'
import { CliError } from '../errors.js'
import { defaultConfigDir, loadOrCreateIdentity } from '../identity.js'
import { checkIntegerFlag } from './flags.js'
import type { GlobalOptions } from './global.js'

interface DaemonOptions extends GlobalOptions {
  listen: string[]
  apiPort: number
  listenUnix?: string
  tokenFile: string
  maxBody: number
  maxApiConnections: number
}

export const command = 'daemon'
export const describe =
  "Run a weft node with P2PD's REST API, /metrics, a dashboard and the libp2p daemon protocol"

export function builder(yargs: Argv<GlobalOptions>): Argv<DaemonOptions> {
  return yargs
    .option('listen', {
      type: 'string',
      array: true,
      default: ['/ip4/0.0.0.0/tcp/0'],
      describe: 'p2p listen multiaddrs',
    })
    .option('api-port', {
      type: 'number',
      default: 12333,
      describe: 'REST API port on 127.0.0.1 (0 picks one)',
    })
    .option('listen-unix', {
      alias: 'sock',
      type: 'string',
      describe: 'serve the libp2p daemon protocol on this unix socket',
    })
    .option('token-file', {
      type: 'string',
      default: join(defaultConfigDir(), 'api-token'),
      describe: 'bearer token file (created 0600; the token is printed once, when created)',
    })
    .option('max-body', {
      type: 'number',
      default: 16 * 1024 * 1024,
      describe: 'largest request body, bytes',
    })
    .option('max-api-connections', {
      type: 'number',
      default: 64,
      describe: 'simultaneous REST API connections',
    })
    .example('$0 daemon', 'REST API on http://127.0.0.1:12333 (open /login?token=… for the dashboard)')
    .example(
      '$0 daemon --sock /tmp/weft.sock',
      'also serve @libp2p/daemon-client and p2pclient',
    ) as unknown as Argv<DaemonOptions>
}

export async function handler(args: ArgumentsCamelCase<DaemonOptions>): Promise<void> {
  const port = args.apiPort
  checkIntegerFlag('api-port', port, 0, 65535)
  const identity = await loadOrCreateIdentity(args.key)
  const { token, created } = await loadOrCreateToken(args.tokenFile)
  const daemon = await startDaemon({
    privateKey: identity.privateKey,
    token,
    listen: args.listen,
    apiPort: port,
    maxBody: args.maxBody,
    maxApiConnections: args.maxApiConnections,
    ...(args.listenUnix != null ? { unixSocket: args.listenUnix } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new CliError(`port ${port} on 127.0.0.1 is in use (try --api-port 0)`)
    throw err
  })
  const ready = {
    peerId: daemon.node.peerId.toString(),
    api: daemon.url,
    addrs: daemon.node.getMultiaddrs().map(String),
    tokenFile: args.tokenFile,
    ...(daemon.unixSocket != null ? { unixSocket: daemon.unixSocket } : {}),
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(created ? { ...ready, token } : ready)}\n`)
  } else {
    if (created) process.stdout.write(`API token (shown once, kept in ${args.tokenFile}): ${token}\n`)
    process.stdout.write(
      `weft daemon ${ready.peerId}\n  API        ${ready.api} (dashboard: ${ready.api}/login?token=…)\n`,
    )
    for (const addr of ready.addrs) process.stdout.write(`  listening  ${addr}\n`)
    if (ready.unixSocket != null) process.stdout.write(`  control    ${ready.unixSocket}\n`)
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await daemon.stop()
}
