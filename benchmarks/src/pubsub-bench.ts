/**
 * `node --import ../interop/polyfill.mjs dist/src/pubsub-bench.js [--hosts 100]
 *   [--messages 1000] [--interval 20] [--size 1024] [--extra-links 2] [--seed N]
 *   [--drain MS]
 *   [--stack weft|js]`
 *
 * The gossipsub benchmark: weft and js-libp2p each run the same seeded
 * scenario (hosts on the memory transport in a random sparse topology,
 * messages from random publishers) in a fresh child process, one after the
 * other; prints delivery ratio, p50/p99 latency and duplicates per delivered
 * message side by side. With `--stack` it runs one stack here and prints JSON.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DEFAULT_SCENARIO, type PubSubStats, type ScenarioConfig, summarize } from './pubsub-scenario.js'
import type { PubSubStack } from './pubsub-stacks.js'

function parse(argv: string[]): { config: ScenarioConfig; stack?: PubSubStack } {
  const config = { ...DEFAULT_SCENARIO }
  let stack: PubSubStack | undefined
  const names: Record<string, keyof ScenarioConfig> = {
    '--hosts': 'hosts',
    '--messages': 'messages',
    '--interval': 'interval',
    '--size': 'size',
    '--extra-links': 'extraLinks',
    '--seed': 'seed',
    '--drain': 'drain',
  }
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === '--stack' && (value === 'weft' || value === 'js')) stack = value
    else if (names[flag] != null && value != null && Number.isFinite(Number(value)))
      config[names[flag]] = Number(value)
    else throw new Error(`unknown or malformed argument ${flag} ${value ?? ''}`)
  }
  return { config, stack }
}

async function child(stack: PubSubStack, argv: string[]): Promise<PubSubStats & { elapsed: number }> {
  const script = fileURLToPath(import.meta.url)
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, script, ...argv, '--stack', stack],
    {
      timeout: 3_600_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  // the child's progress lines, without Node's listener warnings
  for (const line of stderr.split('\n')) {
    if (line.startsWith(`${stack}:`)) process.stderr.write(`${line}\n`)
  }
  const line = stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as PubSubStats & { elapsed: number }
}

function row(name: string, stats: PubSubStats): string {
  return `| ${name} | ${(stats.deliveryRatio * 100).toFixed(2)} % | ${stats.p50.toFixed(1)} | ${stats.p99.toFixed(1)} | ${stats.duplicatesPerDelivery.toFixed(2)} |`
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const { config, stack } = parse(argv)
  if (stack != null) {
    const { runScenario } = await import('./pubsub-run.js')
    const run = await runScenario(stack, config, { log: (line) => process.stderr.write(`${line}\n`) })
    process.stdout.write(`${JSON.stringify({ ...summarize(run), elapsed: run.elapsed })}\n`)
    return
  }
  // each stack's line is printed as soon as it is known
  const weft = await child('weft', argv)
  process.stdout.write(`weft: ${JSON.stringify(weft)}\n`)
  const js = await child('js', argv)
  process.stdout.write(`js-libp2p: ${JSON.stringify(js)}\n`)
  process.stdout.write(
    [
      `gossipsub: ${config.hosts} hosts (memory transport, noise, yamux), ${config.messages} messages of ${config.size} bytes every ${config.interval} ms, seed ${config.seed}`,
      '',
      '| stack | delivery | p50 ms | p99 ms | duplicates / delivery |',
      '|---|---|---|---|---|',
      row('weft', weft),
      row('js-libp2p', js),
      '',
    ].join('\n'),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  })
}
