/**
 * The connection ladder towards a go-libp2p host (v0.51.0, `go-peer agent`,
 * interop/go-peer) behind a `port-restricted` router, holding a reservation
 * on the lab's weft relay. A weft dialer behind another `port-restricted`
 * router knows the go host's LAN address, its listen port on the router's
 * WAN address and the circuit, and dials it by peer id. The `direct` rung
 * cannot pass the filtering router; the `hole-punch` rung is tried and fails
 * because go never registers `/libp2p/dcutr` in the lab (it waits for a
 * public address, and counts the lab's 198.51.100.0/24 as unroutable: README,
 * go-dcutr-lab.test.ts), which identify shows; the `relay` rung connects.
 * The relayed connection carries the echo protocol, and the weft dialer holds
 * no socket, server or timer after it stops.
 */
import { fileURLToPath } from 'node:url'
import type { NatInfo } from '@weft/dcutr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
/** interop/runner/peers.mjs builds and caches the go peer (untyped JavaScript: imported by URL) */
const PEERS = new URL('../../runner/peers.mjs', import.meta.url).href
/** What `discoverNat` reports behind `port-restricted` (README, "The STUN lab"). */
const PORT_RESTRICTED: NatInfo = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  allocation: 'equal',
  delta: 0,
}

interface LadderDial {
  rung: string
  limited: boolean
  dialMs: number
  directMs: number | null
  rungs: Array<{ name: string; outcome: string; ms?: number; error?: string }>
  connections: Array<{ remoteAddr: string; direct: boolean; limited: boolean }>
}

let lab: NatLab
let relayId: string
let goBinary: string

beforeAll(async () => {
  if (LAB_NOT_RUN !== '') return
  const { goPeerBinary } = (await import(PEERS)) as {
    goPeerBinary: (log: (line: string) => void) => Promise<string>
  }
  goBinary = await goPeerBinary((line) => process.stderr.write(`go build: ${line}\n`))
  lab = await NatLab.create({ listener: 'port-restricted', dialer: 'port-restricted' })
  const relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
}, 600_000)

afterAll(async () => {
  await lab?.destroy()
})

describe.skipIf(LAB_NOT_RUN !== '')(
  `the connection ladder towards go-libp2p in the lab${LAB_NOT_RUN}`,
  () => {
    it('a go listener behind port-restricted is reached on the relay rung after the hole-punch rung failed', {
      timeout: 90_000,
    }, async () => {
      const circuit = `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`
      const host = lab.host('listener')
      const listener = await Agent.startProgram(lab, host.namespace, goBinary, ['agent'], 'go-listener')
      const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
        listen: ['/ip4/0.0.0.0/tcp/4001'],
      })
      await listener.request('reserve', { addr: circuit.replace('/p2p-circuit', '') })
      const dialer = await Agent.start(lab, lab.host('dialer').namespace, HOST_AGENT, 'weft-dialer')
      try {
        await dialer.request('start', { listen: ['/ip4/0.0.0.0/tcp/4001'], nat: PORT_RESTRICTED })
        const result = await dialer.request<LadderDial>(
          'ladder-dial',
          {
            peer: listenerId,
            addrs: [`/ip4/${host.address}/tcp/4001`, `/ip4/${host.publicAddress}/tcp/4001`, circuit],
            directWithin: 0,
          },
          60_000,
        )
        const rungs = JSON.stringify(result.rungs)
        console.log(`go listener behind port-restricted: ${result.dialMs} ms, ${rungs}`)
        expect(result.rung, rungs).toBe('relay')
        expect(result.limited).toBe(true)
        expect(result.directMs).toBeNull()
        const punch = result.rungs.find((rung) => rung.name === 'hole-punch')
        expect(punch?.outcome, rungs).toBe('failed')
        expect(punch?.error, rungs).toMatch(/does not speak \/libp2p\/dcutr/)
        // the ladder did not wait for the punch's timeout: identify told it at once
        expect(result.dialMs).toBeLessThan(6_000)
        const echoed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
          addr: `${circuit}/p2p/${listenerId}`,
          size: 1024,
        })
        expect(echoed).toMatchObject({ limited: true, echoed: true })
      } finally {
        await dialer.request('stop')
        await listener.request('stop')
      }
      const left = await dialer.request('leftovers', { settle: 3_000 })
      expect(left, dialer.log).toEqual({ sockets: 0, servers: 0, timers: 0 })
    })
  },
)
