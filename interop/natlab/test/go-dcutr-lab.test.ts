/**
 * DCUtR between weft and go-libp2p (v0.51.0, `go-peer agent`) across the
 * lab. A weft listener behind a NAT reaches a public go dialer directly by its
 * unilateral upgrade. Every other pair stays relayed, **because of
 * go-libp2p**: its hole punching only starts once the host has a public
 * address, and it judges that with `manet.IsPublicAddr`, which counts the
 * lab's public range 198.51.100.0/24 (TEST-NET-2) as unroutable
 * (github.com/multiformats/go-multiaddr@v0.16.1 net/private.go, line 40;
 * go-libp2p p2p/host/basic/addrs_manager.go `HolePunchAddrs`, line 498, and
 * p2p/protocol/holepunch/svc.go `waitForPublicAddr`). So go never registers
 * `/libp2p/dcutr` (weft's Connect is refused) and never starts a hole punch
 * or a direct dial of its own. The lab keeps a documentation range on
 * purpose: its traffic must never look like the real internet's.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
/** interop/runner/peers.mjs builds and caches the go peer (untyped JavaScript: imported by URL) */
const PEERS = new URL('../../runner/peers.mjs', import.meta.url).href

type Stack = 'weft' | 'go'

interface Case {
  listener: Stack
  listenerNat: NatType
  dialer: Stack
  dialerNat: NatType
  outcome: 'direct' | 'relay'
  method?: 'unilateral' | 'hole-punch'
}

const CASES: Case[] = [
  {
    listener: 'weft',
    listenerNat: 'port-restricted',
    dialer: 'go',
    dialerNat: 'port-restricted',
    outcome: 'relay',
  },
  {
    listener: 'go',
    listenerNat: 'port-restricted',
    dialer: 'weft',
    dialerNat: 'port-restricted',
    outcome: 'relay',
  },
  {
    listener: 'weft',
    listenerNat: 'full-cone',
    dialer: 'go',
    dialerNat: 'none',
    outcome: 'direct',
    method: 'unilateral',
  },
  { listener: 'go', listenerNat: 'full-cone', dialer: 'weft', dialerNat: 'none', outcome: 'relay' },
  { listener: 'weft', listenerNat: 'none', dialer: 'go', dialerNat: 'full-cone', outcome: 'relay' },
  { listener: 'go', listenerNat: 'none', dialer: 'weft', dialerNat: 'full-cone', outcome: 'relay' },
]

const matrix: string[] = []
/**
 * The cells of interop/RESULTS.md's `dcutr` table (interop/go-libp2p/render-results.mjs
 * renders it), in the format of interop/go-libp2p/test/results.ts: ✅ when the
 * pair ended as this test expects, with the path and the reason.
 */
const cells: Array<{ row: string; column: string; ok: boolean; note: string }> = []
const COLUMN = 'go-libp2p v0.51.0 (DCUtR, NAT lab)'
const CAPTION =
  "weft and go-libp2p hosts behind the NAT lab's routers, a weft relay on the public segment (interop/natlab/test/go-dcutr-lab.test.ts). " +
  "A public go dialer is reached directly by the weft listener's unilateral upgrade. Every other pair stays relayed because go-libp2p counts the " +
  "lab's documentation range 198.51.100.0/24 as unroutable (go-multiaddr v0.16.1 net/private.go line 40, go-libp2p addrs_manager.go line 498, " +
  'holepunch/svc.go waitForPublicAddr), so it never registers /libp2p/dcutr; the lab keeps documentation ranges on purpose (interop/natlab/README.md).'
let lab: NatLab
let relayId: string
let goBinary: string

beforeAll(async () => {
  if (LAB_NOT_RUN !== '') return
  const { goPeerBinary } = (await import(PEERS)) as {
    goPeerBinary: (log: (line: string) => void) => Promise<string>
  }
  goBinary = await goPeerBinary((line) => process.stderr.write(`go build: ${line}\n`))
  const hosts: Record<string, NatType> = {}
  CASES.forEach((c, i) => {
    hosts[`l${i}`] = c.listenerNat
    hosts[`d${i}`] = c.dialerNat
  })
  lab = await NatLab.create(hosts)
  const relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
}, 600_000)

afterAll(async () => {
  await lab?.destroy()
  if (cells.length > 0) {
    const { CACHE } = (await import(PEERS)) as { CACHE: string }
    const dir = join(CACHE, 'protocol-results')
    mkdirSync(dir, { recursive: true })
    const table = { table: 'dcutr', caption: CAPTION, at: new Date().toISOString(), cells }
    writeFileSync(join(dir, 'dcutr.json'), `${JSON.stringify(table, null, 2)}\n`)
  }
  if (matrix.length > 0) {
    console.log(
      [
        '',
        '| listener | behind | dialer | behind | path | method |',
        '|---|---|---|---|---|---|',
        ...matrix,
      ].join('\n'),
    )
  }
})

async function agent(stack: Stack, namespace: string, label: string): Promise<Agent> {
  return stack === 'go'
    ? Agent.startProgram(lab, namespace, goBinary, ['agent'], label)
    : Agent.start(lab, namespace, HOST_AGENT, label)
}

describe.skipIf(LAB_NOT_RUN !== '')(`DCUtR between weft and go-libp2p in the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    const title = `${c.listener} listener behind ${c.listenerNat}, ${c.dialer} dialer behind ${c.dialerNat}: ${c.outcome}`
    it(title, { timeout: 90_000 }, async () => {
      const row = `${c.listener} listener behind ${c.listenerNat}, ${c.dialer} dialer behind ${c.dialerNat}`
      try {
        const path = await runCase(c, i)
        const note = path.direct
          ? `direct (${path.method ?? '?'})`
          : c.listener === 'weft'
            ? 'relay: go answers na to /libp2p/dcutr'
            : 'relay: go starts no hole punch'
        cells.push({ row, column: COLUMN, ok: true, note })
      } catch (err) {
        cells.push({
          row,
          column: COLUMN,
          ok: false,
          note: ((err as Error).message.split('\n')[0] ?? '').slice(0, 160),
        })
        throw err
      }
    })
  })
})

/** One pair: relayed echo, the listener's DCUtR outcome, the path the dialer ends on (asserted). */
async function runCase(c: Case, i: number): Promise<{ direct: boolean; method?: string }> {
  const circuit = `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`
  const listener = await agent(c.listener, lab.host(`l${i}`).namespace, `${c.listener}-listener-${i}`)
  const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
    listen: ['/ip4/0.0.0.0/tcp/4001', ...(c.listener === 'weft' ? [circuit] : [])],
  })
  if (c.listener === 'go') await listener.request('reserve', { addr: circuit.replace('/p2p-circuit', '') })
  const dialer = await agent(c.dialer, lab.host(`d${i}`).namespace, `${c.dialer}-dialer-${i}`)
  const { peerId: dialerId } = await dialer.request<{ peerId: string }>('start', {
    listen: ['/ip4/0.0.0.0/tcp/4001'],
  })
  const relayed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
    addr: `${circuit}/p2p/${listenerId}`,
    size: 1024,
  })
  expect(relayed).toMatchObject({ limited: true, echoed: true })

  // the listener received the relayed connection: its DCUtR runs the upgrade
  const outcome = await listener.request<{ outcome: string; method?: string; error?: string } | null>(
    'outcome',
    { peer: dialerId, timeout: c.listener === 'go' ? 15_000 : 45_000 },
    50_000,
  )
  const connections =
    await dialer.request<Array<{ remotePeer: string; limited: boolean; direct: boolean }>>('connections')
  const toListener = connections.filter((connection) => connection.remotePeer === listenerId)
  const direct = toListener.some((connection) => connection.direct && !connection.limited)
  matrix.push(
    `| ${c.listener} | ${c.listenerNat} | ${c.dialer} | ${c.dialerNat} | ${direct ? 'direct' : 'relay'} | ${outcome?.method ?? '—'} |`,
  )
  if (c.outcome === 'direct') {
    expect(outcome, listener.log).toMatchObject({ outcome: 'direct', method: c.method })
    expect(direct).toBe(true)
  } else {
    // weft reports the relay outcome; go reports nothing, as it never starts
    if (c.listener === 'weft') {
      expect(outcome, listener.log).toMatchObject({ outcome: 'relay' })
      // go answers "na" to /libp2p/dcutr: it never registered the protocol
      expect(outcome?.error).toMatch(/supports none of the proposed protocols/)
    } else expect(outcome).toBeNull()
    expect(direct).toBe(false)
    // the relayed connection goes on working
    const again = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
      addr: `${circuit}/p2p/${listenerId}`,
      size: 1024,
    })
    expect(again).toMatchObject({ limited: true, echoed: true })
  }
  await dialer.request('stop')
  await listener.request('stop')
  return { direct, method: outcome?.method }
}
