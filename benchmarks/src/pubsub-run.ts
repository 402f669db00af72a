/**
 * Runs the pubsub scenario on one stack in this process: start N hosts, link
 * them as the seeded topology says, subscribe all to one topic, let meshes
 * form, publish the scheduled messages from their publishers at a fixed
 * interval, and wait (bounded) for the deliveries.
 */
import {
  payload,
  payloadIndex,
  publishers,
  type RunMeasurements,
  type ScenarioConfig,
  topology,
} from './pubsub-scenario.js'
import { jsHost, type PubSubStack, type SimHost, weftHost } from './pubsub-stacks.js'

const TOPIC = 'bench'

export interface RunOptions {
  /** ms to let meshes settle after subscribing (default 3000: a few heartbeats) */
  warmup?: number
  log?: (line: string) => void
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

export async function runScenario(
  stack: PubSubStack,
  config: ScenarioConfig,
  options: RunOptions = {},
): Promise<RunMeasurements> {
  const log = options.log ?? (() => {})
  const prefix = `pubsub-${stack}-${process.pid}-${Date.now()}`
  const hosts: SimHost[] = []
  try {
    for (let i = 0; i < config.hosts; i++)
      hosts.push(await (stack === 'weft' ? weftHost : jsHost)(`${prefix}-${i}`))
    log(`${stack}: ${config.hosts} hosts started`)
    const links = topology(config)
    const degree = new Array<number>(config.hosts).fill(0)
    for (const [a, b] of links) {
      degree[a]++
      degree[b]++
    }
    // dial in small batches: a hundred noise handshakes at once starve the timers
    for (let i = 0; i < links.length; i += 10) {
      await Promise.all(links.slice(i, i + 10).map(([a, b]) => hosts[a].dial(hosts[b].address)))
      if (i % 50 === 0) log(`${stack}: ${i} links dialled`)
    }
    log(`${stack}: ${config.hosts} hosts, ${links.length} links`)

    const published = new Float64Array(config.messages)
    const seen = hosts.map(() => new Uint8Array(config.messages))
    const latencies: number[] = []
    let last = 0
    hosts.forEach((host, index) => {
      host.onMessage((topic, data) => {
        if (topic !== TOPIC) return
        const message = payloadIndex(data)
        if (message >= config.messages || seen[index][message] === 1) return
        seen[index][message] = 1
        last = performance.now()
        latencies.push(last - published[message])
      })
      host.subscribe(TOPIC)
    })
    await until(() => hosts.every((host, i) => host.subscribers(TOPIC) >= degree[i]), 30_000)
    await new Promise((resolve) => setTimeout(resolve, options.warmup ?? 3000))
    const meshSizes = hosts.map((host) => host.meshPeers(TOPIC))
    log(
      `${stack}: mesh sizes min ${Math.min(...meshSizes)} max ${Math.max(...meshSizes)} mean ${(meshSizes.reduce((a, b) => a + b, 0) / hosts.length).toFixed(2)}, degree mean ${(degree.reduce((a, b) => a + b, 0) / hosts.length).toFixed(2)}`,
    )

    const copiesBefore = hosts.reduce((sum, host) => sum + host.copiesReceived(), 0)
    const order = publishers(config)
    const start = performance.now()
    for (let message = 0; message < config.messages; message++) {
      const due = start + message * config.interval
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      published[message] = performance.now()
      const publisher = order[message]
      seen[publisher][message] = 1
      await hosts[publisher].publish(TOPIC, payload(message, config.size))
    }
    const expected = config.messages * (config.hosts - 1)
    await until(() => latencies.length >= expected, config.drain)
    const copiesReceived = hosts.reduce((sum, host) => sum + host.copiesReceived(), 0) - copiesBefore
    const diagnostics: Record<string, number> = {}
    for (const host of hosts) {
      for (const [key, value] of Object.entries(host.diagnostics?.() ?? {}))
        diagnostics[key] = (diagnostics[key] ?? 0) + value
    }
    if (Object.keys(diagnostics).length > 0) log(`${stack}: ${JSON.stringify(diagnostics)}`)
    return {
      hosts: config.hosts,
      messages: config.messages,
      latencies,
      expected,
      copiesReceived,
      elapsed: last - start,
    }
  } finally {
    await Promise.all(hosts.map((host) => host.stop().catch(() => {})))
  }
}
