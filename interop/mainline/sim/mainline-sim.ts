/**
 * Issue 19, acceptance 2: a Mainline simulation in one process. Builds a
 * swarm of weft nodes and one of bittorrent-dht nodes, each on its own
 * `MemoryNetwork`, runs get_peers lookups towards live nodes' ids before and
 * after 20% of the nodes vanish (churn: they stop answering, nobody is
 * told), and measures the same way for both, from the looking node's
 * datagrams: success (the target node answered), rounds (hops from the
 * looking node's table to the farthest node it asked) and get_peers queries
 * sent.
 *
 *   (after `npx tsc -b interop/mainline`, from interop/mainline)
 *   node --import ../polyfill.mjs dist/sim/mainline-sim.js [--weft 10000] [--bt 2000] [--lookups 200] [--alpha 5] [--out file.md]
 */
import { writeFileSync } from 'node:fs'
import {
  type BencodeDict,
  bytesToLatin1,
  decode,
  decodeNodes,
  type MainlineDHT,
  MemoryNetwork,
  mainlineDHT,
  type UdpSocket,
} from '@weft/mainline-dht'
import DHT from 'bittorrent-dht'
import { MemoryDgram } from './memory-dgram.js'

export interface SimFigures {
  readonly implementation: string
  readonly nodes: number
  readonly churn: number
  readonly lookups: number
  readonly success: number
  readonly roundsMedian: number
  readonly roundsP90: number
  readonly messagesMedian: number
  readonly messagesMean: number
  readonly buildSeconds: number
  readonly lookupSeconds: number
}

/** Watches one node's datagrams: get_peers queries sent, hops of the nodes asked, who answered. */
class Probe {
  queries = 0
  rounds = 0
  readonly answered = new Set<string>()
  private readonly hops = new Map<string, number>()
  active = false

  reset(): void {
    this.queries = 0
    this.rounds = 0
    this.answered.clear()
    this.hops.clear()
  }

  sent(bytes: Uint8Array, to: { host: string; port: number }): void {
    if (!this.active) return
    const message = safeDecode(bytes)
    if (message === undefined || bytesOf(message.y) !== 'q' || bytesOf(message.q) !== 'get_peers') return
    this.queries++
    const key = `${to.host}:${to.port}`
    const hop = this.hops.get(key) ?? 1
    this.hops.set(key, hop)
    this.rounds = Math.max(this.rounds, hop)
  }

  received(bytes: Uint8Array, from: { host: string; port: number }): void {
    if (!this.active) return
    const message = safeDecode(bytes)
    if (message === undefined || bytesOf(message.y) !== 'r') return
    const key = `${from.host}:${from.port}`
    this.answered.add(key)
    const values = message.r as BencodeDict | undefined
    const nodes = values?.nodes
    if (!(nodes instanceof Uint8Array)) return
    const hop = (this.hops.get(key) ?? 1) + 1
    for (const node of decodeNodes(nodes, 4, 64)) {
      const nodeKey = `${node.host}:${node.port}`
      if (!this.hops.has(nodeKey)) this.hops.set(nodeKey, hop)
    }
  }
}

function safeDecode(bytes: Uint8Array): BencodeDict | undefined {
  try {
    const value = decode(bytes, { maxBytes: 4096 })
    return typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value)
      ? value
      : undefined
  } catch {
    return undefined
  }
}

function bytesOf(value: unknown): string {
  return value instanceof Uint8Array ? bytesToLatin1(value) : ''
}

function probedSocket(network: MemoryNetwork, probe: Probe): UdpSocket {
  const socket = network.socket()
  return {
    send: (bytes, to) => {
      probe.sent(bytes, to)
      socket.send(bytes, to)
    },
    onMessage: (handler) =>
      socket.onMessage((bytes, from) => {
        probe.received(bytes, from)
        handler(bytes, from)
      }),
    addresses: () => socket.addresses(),
    close: () => socket.close(),
  }
}

interface SimNode {
  readonly id: Uint8Array
  readonly key: string
  readonly probe: Probe
  lookup(target: Uint8Array): Promise<void>
  stop(): Promise<void>
}

function pick<T>(items: readonly T[], count: number): T[] {
  const copy = [...items]
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1))
    ;[copy[index], copy[other]] = [copy[other] as T, copy[index] as T]
  }
  return copy.slice(0, count)
}

async function buildWeft(size: number, log: (line: string) => void, alpha = 5): Promise<SimNode[]> {
  const network = new MemoryNetwork({ maxQueued: 4096 })
  const nodes: SimNode[] = []
  const batch = 50
  for (let start = 0; start < size; start += batch) {
    const earlier = nodes.slice()
    const created = await Promise.all(
      Array.from({ length: Math.min(batch, size - start) }, async () => {
        const probe = new Probe()
        const socket = probedSocket(network, probe)
        const host = socket.addresses()[0]?.host as string
        const seeds = pick(earlier, 8).map((node) => ({ host: node.key.split(':')[0] as string, port: 6881 }))
        const dht: MainlineDHT = mainlineDHT({
          socket,
          externalAddress: host,
          refreshInterval: 0,
          // the first batch knows nobody yet: it joins through its first node below
          bootstrap: seeds,
          rateLimit: { ratePerSecond: 1000, burst: 2000 },
          alpha,
        })
        await dht.start()
        return {
          id: dht.id,
          key: `${host}:6881`,
          probe,
          lookup: async (target: Uint8Array) => {
            await dht.getPeers(target)
          },
          stop: () => dht.stop(),
          dht,
        }
      }),
    )
    if (start === 0) {
      const first = created[0]?.dht as MainlineDHT
      await Promise.all(created.slice(1).map((node) => node.dht.bootstrap(first.addresses())))
    }
    nodes.push(...created)
    if ((start / batch) % 20 === 0) log(`weft: ${nodes.length} nodes`)
  }
  return nodes
}

async function buildBittorrent(size: number, log: (line: string) => void): Promise<SimNode[]> {
  const network = new MemoryNetwork({ maxQueued: 4096 })
  const nodes: SimNode[] = []
  const batch = 50
  for (let start = 0; start < size; start += batch) {
    const earlier = nodes.slice()
    const created = await Promise.all(
      Array.from({ length: Math.min(batch, size - start) }, async () => {
        const probe = new Probe()
        const socket = new MemoryDgram(network)
        socket.onSend = (bytes, to) => probe.sent(bytes, to)
        socket.on('message', (bytes: Buffer, rinfo: { address: string; port: number }) =>
          probe.received(bytes, { host: rinfo.address, port: rinfo.port }),
        )
        const seeds = earlier.length === 0 ? [] : pick(earlier, 8).map((node) => node.key)
        const dht = new DHT({ bootstrap: seeds.length === 0 ? false : seeds, socket })
        await new Promise<void>((resolve) => dht.listen(6881, socket.host, resolve))
        if (seeds.length > 0)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 30_000)
            dht.once('ready', () => {
              clearTimeout(timer)
              resolve()
            })
          })
        return {
          id: new Uint8Array(dht.nodeId),
          key: `${socket.host}:6881`,
          probe,
          lookup: (target: Uint8Array) =>
            new Promise<void>((resolve) => {
              dht.lookup(Buffer.from(target), () => resolve())
            }),
          stop: () => new Promise<void>((resolve) => dht.destroy(() => resolve())),
          dht,
        }
      }),
    )
    if (start === 0) {
      const first = created[0]
      for (const node of created.slice(1))
        node.dht.addNode({ host: first?.key.split(':')[0] as string, port: 6881 })
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    nodes.push(...created)
    if ((start / batch) % 20 === 0) log(`bittorrent-dht: ${nodes.length} nodes`)
  }
  return nodes
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

async function measure(
  implementation: string,
  nodes: SimNode[],
  churn: number,
  lookups: number,
  buildSeconds: number,
): Promise<SimFigures> {
  const started = Date.now()
  const gone = new Set(pick(nodes, Math.floor(nodes.length * churn)))
  await Promise.all([...gone].map((node) => node.stop()))
  const live = nodes.filter((node) => !gone.has(node))
  const lookers = pick(live, lookups)
  const rounds: number[] = []
  const messages: number[] = []
  let success = 0
  const parallel = 25
  for (let offset = 0; offset < lookers.length; offset += parallel) {
    await Promise.all(
      lookers.slice(offset, offset + parallel).map(async (looker) => {
        let target = live[Math.floor(Math.random() * live.length)] as SimNode
        while (target === looker) target = live[Math.floor(Math.random() * live.length)] as SimNode
        looker.probe.reset()
        looker.probe.active = true
        await looker.lookup(target.id)
        looker.probe.active = false
        rounds.push(looker.probe.rounds)
        messages.push(looker.probe.queries)
        if (looker.probe.answered.has(target.key)) success++
      }),
    )
  }
  // the churned nodes are stopped; the rest stay for the next measurement
  for (const node of gone) nodes.splice(nodes.indexOf(node), 1)
  return {
    implementation,
    nodes: live.length + gone.size,
    churn,
    lookups: lookers.length,
    success: success / lookers.length,
    roundsMedian: percentile(rounds, 0.5),
    roundsP90: percentile(rounds, 0.9),
    messagesMedian: percentile(messages, 0.5),
    messagesMean: messages.reduce((sum, value) => sum + value, 0) / Math.max(1, messages.length),
    buildSeconds,
    lookupSeconds: (Date.now() - started) / 1000,
  }
}

export interface SimInit {
  weftNodes?: number
  bittorrentNodes?: number
  lookups?: number
  /** weft's parallel queries per lookup (default 5, the library's own default). */
  alpha?: number
  log?: (line: string) => void
}

export async function simulate(init: SimInit = {}): Promise<SimFigures[]> {
  const log = init.log ?? (() => {})
  const lookups = init.lookups ?? 200
  const figures: SimFigures[] = []
  const alpha = init.alpha ?? 5
  for (const [name, size, build] of [
    [
      alpha === 5 ? 'weft' : `weft (α = ${alpha})`,
      init.weftNodes ?? 10_000,
      (count: number, write: (line: string) => void) => buildWeft(count, write, alpha),
    ],
    ['bittorrent-dht', init.bittorrentNodes ?? 2000, buildBittorrent],
  ] as const) {
    if (size === 0) continue
    let started = Date.now()
    const nodes = await build(size, log)
    const buildSeconds = (Date.now() - started) / 1000
    log(`${name}: ${size} nodes built in ${buildSeconds.toFixed(1)} s`)
    try {
      for (const churn of [0, 0.2]) {
        started = Date.now()
        const result = await measure(name, nodes, churn, lookups, buildSeconds)
        log(JSON.stringify(result))
        figures.push(result)
      }
    } finally {
      await Promise.all(nodes.map((node) => node.stop()))
    }
  }
  return figures
}

export function report(figures: readonly SimFigures[], command: string): string {
  const rows = figures.map(
    (row) =>
      `| ${row.implementation} | ${row.nodes} | ${Math.round(row.churn * 100)}% | ${row.lookups} | ${(row.success * 100).toFixed(1)}% | ${row.roundsMedian} | ${row.roundsP90} | ${row.messagesMedian} | ${row.messagesMean.toFixed(1)} | ${row.buildSeconds.toFixed(0)} s |`,
  )
  return [
    '# Mainline DHT simulation (issue 19, acceptance 2)',
    '',
    `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'Each implementation runs in one process on its own memory UDP network',
    '(`MemoryNetwork`; bittorrent-dht through a node:dgram-shaped adapter). Every',
    "lookup is a get_peers lookup from a random live node towards a random live node's",
    "id, measured on the looking node's datagrams in the same way for both:",
    '**success** = the target node answered the looking node; **rounds** = hops',
    "from the looking node's table to the farthest node asked; **messages** =",
    'get_peers queries sent (retransmissions included). Churn: after the swarm is',
    'built, 20% of the nodes stop answering and nobody is told.',
    '',
    '| implementation | nodes | churn | lookups | success | rounds (median) | rounds (p90) | messages (median) | messages (mean) | build |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const option = (name: string, fallback: number): number => {
    const index = args.indexOf(`--${name}`)
    return index >= 0 ? Number(args[index + 1]) : fallback
  }
  const outIndex = args.indexOf('--out')
  const figures = await simulate({
    weftNodes: option('weft', 10_000),
    bittorrentNodes: option('bt', 2000),
    lookups: option('lookups', 200),
    alpha: option('alpha', 5),
    log: (line) => console.error(line),
  })
  const markdown = report(figures, `node --import ../polyfill.mjs dist/sim/mainline-sim.js ${args.join(' ')}`)
  if (outIndex >= 0) writeFileSync(args[outIndex + 1] as string, markdown)
  else console.log(markdown)
  process.exit(0)
}
