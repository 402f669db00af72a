/**
 * `weft dht get-peers <infohash>` and `weft dht crawl`: the Mainline DHT from
 * the command line, started from the nodes given with --bootstrap (see
 * dht-node.ts). get-peers prints each peer as host:port on stdout; crawl
 * walks the keyspace with BEP51 sample_infohashes, bounded by --duration and
 * --max, and prints the new infohashes found in each minute.
 */
import { addressKey, crawler } from '@weft/mainline-dht'
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs'
import { CliError } from '../errors.js'
import { stopSignal } from '../signals.js'
import { type DhtOptions, parseInfohash, startDht, withDhtOptions } from './dht-node.js'
import { checkNumberFlag } from './flags.js'
import type { GlobalOptions } from './global.js'

interface GetPeersOptions extends DhtOptions {
  infohash: string
  timeout: number
}

interface CrawlOptions extends DhtOptions {
  duration: number
  max: number
  maxNodes: number
  rate: number
  list: boolean
}

async function getPeers(args: ArgumentsCamelCase<GetPeersOptions>): Promise<void> {
  const infohash = parseInfohash(args.infohash)
  checkNumberFlag('timeout', args.timeout, 1, 3600)
  const hex = Buffer.from(infohash).toString('hex')
  const stop = stopSignal()
  const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(args.timeout * 1000)])
  try {
    const dht = await startDht(args, signal)
    try {
      const { peers, closest, stats } = await dht.getPeers(infohash, { signal })
      const list = peers.map(addressKey)
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({ infohash: hex, peers: list, closest: closest.length, queries: stats.messages })}\n`,
        )
        return
      }
      for (const peer of list) process.stdout.write(`${peer}\n`)
      if (list.length === 0)
        throw new CliError(`no peers announce ${hex} (${stats.messages} queries, ${closest.length} nodes)`)
      process.stderr.write(
        `${list.length} ${list.length === 1 ? 'peer' : 'peers'} for ${hex} (${stats.messages} queries, ${closest.length} closest nodes)\n`,
      )
    } finally {
      await dht.stop()
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof CliError))
      throw new CliError(stop.signal.aborted ? 'interrupted' : `no answer within ${args.timeout} s`)
    throw err
  } finally {
    stop.dispose()
  }
}

function minuteLine(minute: number, count: number, partialSeconds?: number): string {
  const partial = partialSeconds != null ? ` (partial: ${partialSeconds.toFixed(0)} s)` : ''
  return `minute ${minute}: ${count} new infohashes${partial}`
}

async function crawl(args: ArgumentsCamelCase<CrawlOptions>): Promise<void> {
  checkNumberFlag('duration', args.duration, 1, 86_400)
  checkNumberFlag('max', args.max, 1, 10_000_000)
  checkNumberFlag('max-nodes', args.maxNodes, 1, 10_000_000)
  checkNumberFlag('rate', args.rate, 1, 1000)
  const stop = stopSignal()
  // with --list, stdout is the infohashes and the counts go to stderr
  const report = args.list || args.json ? process.stderr : process.stdout
  try {
    const dht = await startDht(args, stop.signal)
    try {
      const walk = crawler(dht, {
        duration: args.duration * 1000,
        maxInfohashes: args.max,
        maxNodes: args.maxNodes,
        queriesPerSecond: args.rate,
      })
      let minutesShown = 0
      walk.addEventListener('progress', (event) => {
        const { perMinute, elapsed } = event.detail
        while (minutesShown < Math.floor(elapsed / 60_000)) {
          report.write(`${minuteLine(minutesShown + 1, perMinute[minutesShown] ?? 0)}\n`)
          minutesShown++
        }
      })
      if (args.list)
        walk.addEventListener('infohash', (event) => process.stdout.write(`${event.detail.infohash}\n`))
      const result = await walk.crawl({ signal: stop.signal })
      const minutes = Math.ceil(result.elapsed / 60_000)
      for (let minute = minutesShown; minute < minutes; minute++) {
        const partial = minute === minutes - 1 ? (result.elapsed - minute * 60_000) / 1000 : undefined
        report.write(`${minuteLine(minute + 1, result.perMinute[minute] ?? 0, partial)}\n`)
      }
      const summary = {
        reason: result.reason,
        seconds: Math.round(result.elapsed / 100) / 10,
        infohashes: result.infohashes,
        nodes: result.nodes,
        sampled: result.sampled,
        queries: result.queries,
        perMinute: result.perMinute,
      }
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ ...summary, found: [...result.found] })}\n`)
      } else {
        report.write(
          `crawl ended (${summary.reason}) after ${summary.seconds} s: ${summary.infohashes} infohashes from ${summary.sampled} of ${summary.nodes} nodes, ${summary.queries} queries\n`,
        )
      }
    } finally {
      await dht.stop()
    }
  } catch (err) {
    if (stop.signal.aborted && !(err instanceof CliError)) throw new CliError('interrupted')
    throw err
  } finally {
    stop.dispose()
  }
}

const getPeersCommand: CommandModule<GlobalOptions, GetPeersOptions> = {
  command: 'get-peers <infohash>',
  describe: 'Print the peers announcing an infohash (host:port, one a line)',
  builder: (yargs) =>
    withDhtOptions(yargs)
      .positional('infohash', {
        type: 'string',
        demandOption: true,
        describe: '40 hex digits or 32 base32 letters',
      })
      .option('timeout', { type: 'number', default: 30, describe: 'seconds for the whole lookup' })
      .example(
        '$0 dht get-peers 3b2c…e1 --bootstrap 192.0.2.7:6881',
        'ask the DHT that node belongs to',
      ) as unknown as Argv<GetPeersOptions>,
  handler: getPeers,
}

const crawlCommand: CommandModule<GlobalOptions, CrawlOptions> = {
  command: 'crawl',
  describe: 'Crawl the DHT with BEP51 sample_infohashes, print new infohashes per minute',
  builder: (yargs) =>
    withDhtOptions(yargs)
      .option('duration', { type: 'number', default: 60, describe: 'seconds to crawl at most' })
      .option('max', { type: 'number', default: 10_000, describe: 'infohashes to collect at most' })
      .option('max-nodes', { type: 'number', default: 10_000, describe: 'nodes to query at most' })
      .option('rate', { type: 'number', default: 20, describe: 'queries started per second at most' })
      .option('list', {
        type: 'boolean',
        default: false,
        describe: 'print each infohash on stdout as it is found (counts go to stderr)',
      })
      .example(
        '$0 dht crawl --bootstrap 192.0.2.7:6881 --duration 300',
        'five minutes, counts per minute',
      ) as unknown as Argv<CrawlOptions>,
  handler: crawl,
}

export const command = 'dht <command>'
export const describe = 'The BitTorrent Mainline DHT: get-peers, crawl (never the public DHT unless asked)'

export function builder(yargs: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return (
    yargs
      // biome-ignore lint/suspicious/noExplicitAny: yargs' command-module types do not compose across builders
      .command(getPeersCommand as any)
      // biome-ignore lint/suspicious/noExplicitAny: see above
      .command(crawlCommand as any)
      .demandCommand(1)
  )
}

export function handler(): void {}
