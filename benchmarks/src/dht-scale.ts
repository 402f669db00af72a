/**
 * DHT scale benchmark: `node dist/src/dht-scale.js [--size 2000] [--lookups 200]
 * [--js-size 200] [--seed 1] [--concurrency 4] [--noise] [--out FILE] [--smoke]` (after `tsc -b benchmarks`;
 * js-libp2p on Node 20 needs `--import ../interop/polyfill.mjs`).
 *
 * Starts a network of weft hosts in one process on the memory transport,
 * each joining by dialing 3 random hosts and looking itself up (weft hosts
 * use a simulation-only plaintext encrypter unless `--noise`); then runs
 * random peer lookups (a random host looks up another, never from cache) on
 * the static network, stops 20% of the hosts and starts as many new ones,
 * and runs the lookups again. The same on a smaller js-libp2p network
 * (@libp2p/memory + @libp2p/kad-dht) when `--js-size` is not 0. Prints the
 * table and writes benchmarks/DHT-RESULTS.md (or --out).
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { runJsScenarios } from './dht-js.js'
import { DHTNetwork } from './dht-network.js'
import {
  type LookupSample,
  resultsTable,
  runLookups,
  type ScenarioResult,
  seededRandom,
  summarizeLookups,
} from './dht-stats.js'

export interface DHTScaleOptions {
  size: number
  lookups: number
  jsSize: number
  seed: number
  out?: string
  concurrency: number
  encryption: 'plaintext' | 'noise'
}

function parse(argv: string[]): DHTScaleOptions {
  const smoke = argv.includes('--smoke')
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name)
    return at >= 0 ? argv[at + 1] : undefined
  }
  const number = (name: string, fallback: number): number => {
    const text = value(name)
    if (text == null) return fallback
    const parsed = Number(text)
    if (!Number.isInteger(parsed) || parsed < 0)
      throw new RangeError(`${name} must be a non-negative integer`)
    return parsed
  }
  return {
    size: number('--size', smoke ? 50 : 2000),
    lookups: number('--lookups', smoke ? 20 : 200),
    jsSize: number('--js-size', smoke ? 20 : 200),
    seed: number('--seed', 1),
    concurrency: number('--concurrency', 4),
    encryption: argv.includes('--noise') ? 'noise' : 'plaintext',
    out:
      value('--out') ?? (smoke ? undefined : fileURLToPath(new URL('../../DHT-RESULTS.md', import.meta.url))),
  }
}

export async function weftScenarios(
  options: DHTScaleOptions,
  log: (line: string) => void,
): Promise<ScenarioResult[]> {
  const random = seededRandom(options.seed)
  const network = new DHTNetwork({ size: options.size, random, encryption: options.encryption })
  const started = performance.now()
  await network.start()
  log(`weft: ${options.size} hosts up and joined in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const lookup = async (): Promise<LookupSample> => {
    const hosts = network.hosts
    const from = hosts[Math.floor(random() * hosts.length)]!
    let target = from
    while (target === from) target = hosts[Math.floor(random() * hosts.length)]!
    const begin = performance.now()
    try {
      const { peer, stats } = await from.services.dht.lookupPeer(target.peerId, {
        signal: AbortSignal.timeout(30_000),
      })
      return {
        found: peer != null,
        rounds: stats.rounds,
        rpcs: stats.rpcs,
        latency: performance.now() - begin,
      }
    } catch {
      return { found: false, rounds: 0, rpcs: 0, latency: performance.now() - begin }
    }
  }
  try {
    const results = [
      summarizeLookups(
        'weft',
        options.size,
        'static',
        await runLookups(options.lookups, options.concurrency, lookup),
      ),
    ]
    const churnStart = performance.now()
    await network.churn(0.2)
    log(`weft: churned 20% in ${((performance.now() - churnStart) / 1000).toFixed(1)} s`)
    results.push(
      summarizeLookups(
        'weft',
        options.size,
        'churn 20%',
        await runLookups(options.lookups, options.concurrency, lookup),
      ),
    )
    return results
  } finally {
    await network.stop()
  }
}

function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version} (shared with other jobs)`
}

export function markdown(
  results: ScenarioResult[],
  command: string,
  encryption: 'plaintext' | 'noise',
): string {
  return `# DHT scale results

Random peer lookups (a random host looks up another random host by peer id,
never answered from a cache) on one-process networks on the memory
transport (weft connections: ${encryption === 'noise' ? 'Noise' : 'a simulation-only plaintext exchange of peer ids instead of Noise'}). Each host joins by dialing 3 random hosts and looking itself up;
"churn 20%" stops a random 20% of the hosts and starts as many new ones
(which join the same way) right before its lookups, so routing tables still
hold the departed peers. Rounds: the sequential rounds of queries a lookup
needed (α = 3, k = 20) until the target's addresses came back; RPCs: the
requests one lookup sent. js-libp2p runs the same scenario at a smaller
size; its rounds are not reported (its query events do not expose them).

${resultsTable(results)}

Machine: ${machine()}

Command: \`${command}\`
`
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2))
  const log = (line: string): void => console.error(line)
  const command = ['node', ...process.execArgv, 'dist/src/dht-scale.js', ...process.argv.slice(2)].join(' ')
  const results: ScenarioResult[] = []
  // the report is written after each stack, so a long run keeps what it measured
  const report = (): void => {
    if (options.out != null) writeFileSync(options.out, markdown(results, command, options.encryption))
  }
  if (options.size > 0) results.push(...(await weftScenarios(options, log)))
  report()
  if (options.jsSize > 0) results.push(...(await runJsScenarios(options, log)))
  report()
  console.log(resultsTable(results))
  console.log(`DHT-RESULTS-JSON ${JSON.stringify(results)}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
