/**
 * Circuit relay v2 between weft (@weft/circuit-relay) and go-libp2p
 * (relay.New on the go host, its relay client transport and client.Reserve)
 * on TCP loopback: every mix of relay, listener and dialer across the two
 * stacks. The listener reserves a slot on the relay, the dialer opens a
 * limited connection through it and echoes bytes. Then the limits, each set
 * on one stack's relay and enforced on the other stack's circuit: the data
 * limit, the duration limit and the reservation count, and the limits the
 * relay announces reach the other stack.
 */
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { isCircuitAddress } from '@weft/circuit-relay'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectionInfo, type EchoResult, GoAgent, goBinary } from './agent.js'
import { ResultTable } from './results.js'
import {
  ECHO_PROTOCOL,
  echoPayload,
  echoRoundTrip,
  GO_NOT_RUN,
  type Host,
  type RelayLimits,
  waitUntil,
  weftRelayClient,
  weftRelayHost,
} from './weft-nodes.js'

type Stack = 'weft' | 'go'
type Node = { stack: 'weft'; host: Host } | { stack: 'go'; agent: GoAgent }

const GO = 'go-libp2p (circuit v2)'
const results = new ResultTable(
  'circuit-relay',
  'Relay, listener and dialer each weft or go-libp2p; the listener reserves on the relay, the dialer echoes 4 KiB ' +
    'over a limited connection through it. Limits are set on one stack’s relay and checked on the other’s circuit.',
)

const nodes: Node[] = []
afterEach(async () => {
  await Promise.all(
    nodes.splice(0).map(async (node) => (node.stack === 'weft' ? node.host.stop() : node.agent.stop())),
  )
})

function idOf(node: Node): string {
  return node.stack === 'weft' ? node.host.peerId.toString() : node.agent.peerId
}

function addressOf(node: Node): string {
  return node.stack === 'weft' ? node.host.getMultiaddrs()[0]!.toString() : node.agent.address
}

async function relayNode(stack: Stack, limits: RelayLimits = {}): Promise<Node> {
  const node: Node =
    stack === 'weft'
      ? { stack, host: await weftRelayHost(limits) }
      : {
          stack,
          agent: await GoAgent.start('go relay', {
            relay: true,
            relayInit: {
              maxReservations: limits.maxReservations,
              dataLimit: limits.dataLimit == null ? undefined : Number(limits.dataLimit),
              durationLimit: limits.durationLimit,
            },
          }),
        }
  nodes.push(node)
  return node
}

/** A client that reserves on `relay` (weft: by listening on its circuit address; go: the reserve op). */
async function listenerNode(stack: Stack, relay: Node): Promise<Node> {
  const relayAddress = addressOf(relay)
  if (stack === 'weft') {
    const host = await weftRelayClient([`${relayAddress}/p2p-circuit`])
    nodes.push({ stack, host })
    await waitUntil(() => host.getMultiaddrs().some(isCircuitAddress), 10_000, 'a circuit address')
    return { stack, host }
  }
  const agent = await GoAgent.start('go listener')
  nodes.push({ stack, agent })
  await agent.request('reserve', { addr: relayAddress }, 10_000)
  return { stack, agent }
}

async function dialerNode(stack: Stack): Promise<Node> {
  const node: Node =
    stack === 'weft'
      ? { stack, host: await weftRelayClient() }
      : { stack, agent: await GoAgent.start('go dialer') }
  nodes.push(node)
  return node
}

function circuitTo(relay: Node, listener: Node): string {
  return `${addressOf(relay)}/p2p-circuit/p2p/${idOf(listener)}`
}

/** weft dials `target` and echoes `size` bytes; the connection and what came back. */
async function weftEcho(
  dialer: Host,
  target: string,
  size: number,
): Promise<{ connection: Connection; echoed: Uint8Array }> {
  const connection = await dialer.dial(multiaddr(target), { signal: AbortSignal.timeout(20_000) })
  const stream = await connection.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
  const echoed = await echoRoundTrip(stream, echoPayload(size)).catch(() => new Uint8Array(0))
  return { connection, echoed }
}

const cases: Array<[Stack, Stack, Stack]> = [
  ['go', 'weft', 'weft'],
  ['go', 'weft', 'go'],
  ['go', 'go', 'weft'],
  ['weft', 'go', 'go'],
  ['weft', 'go', 'weft'],
  ['weft', 'weft', 'go'],
]

describe.skipIf(GO_NOT_RUN !== '')(
  `circuit relay v2: weft ⇄ go-libp2p${GO_NOT_RUN}`,
  { timeout: 60_000 },
  () => {
    beforeAll(async () => {
      await goBinary()
    }, 600_000)

    afterAll(() => results.write())

    for (const [relayStack, listenerStack, dialerStack] of cases) {
      const title = `${relayStack} relay, ${listenerStack} listener, ${dialerStack} dialer`
      it(title, async () => {
        await results.cell(title, GO, async () => {
          const relay = await relayNode(relayStack)
          const listener = await listenerNode(listenerStack, relay)
          const dialer = await dialerNode(dialerStack)
          const target = circuitTo(relay, listener)
          if (dialer.stack === 'weft') {
            const { connection, echoed } = await weftEcho(dialer.host, target, 4096)
            expect(connection.remotePeer.toString()).toBe(idOf(listener))
            expect(connection.limits).toBeDefined()
            expect(Buffer.compare(echoed, echoPayload(4096))).toBe(0)
          } else {
            const result = await dialer.agent.request<EchoResult>(
              'echo',
              { addr: target, size: 4096 },
              20_000,
            )
            expect(result).toMatchObject({
              remotePeer: idOf(listener),
              direct: false,
              limited: true,
              echoed: true,
            })
          }
        })
      })
    }

    it('a go relay announces its limits to a weft client and resets its circuit over the data limit', async () => {
      await results.cell(
        'go relay data limit (16 KiB) cuts a weft circuit',
        GO,
        async () => {
          // weft's client keeps the announced limits too, so either end of the circuit may cut first
          const relay = await relayNode('go', { dataLimit: 16_384n })
          const listener = await listenerNode('weft', relay)
          const dialer = await dialerNode('weft')
          if (dialer.stack !== 'weft') throw new Error('weft dialer')
          const { connection, echoed } = await weftEcho(dialer.host, circuitTo(relay, listener), 64 * 1024)
          expect(connection.limits?.bytes).toBe(16_384n)
          expect(echoed.byteLength).toBeLessThan(64 * 1024)
          await waitUntil(() => connection.status !== 'open', 10_000, 'the relayed connection closing')
          return echoed.byteLength
        },
        (echoed) => `weft sees the announced 16384 bytes; cut with ${echoed} of 65536 echoed`,
      )
    })

    it('a weft relay announces its limits to a go client and resets its circuit over the data limit', async () => {
      await results.cell(
        'weft relay data limit (16 KiB) cuts a go circuit',
        GO,
        async () => {
          const relay = await relayNode('weft', { dataLimit: 16_384n })
          const listener = await listenerNode('go', relay)
          if (listener.stack !== 'go') throw new Error('go listener')
          const dialer = await dialerNode('go')
          if (dialer.stack !== 'go') throw new Error('go dialer')
          const reservation = await dialer.agent.request<{ limitData: number }>('reserve', {
            addr: addressOf(relay),
          })
          expect(reservation.limitData).toBe(16_384)
          const result = await dialer.agent.request<EchoResult>(
            'echo',
            { addr: circuitTo(relay, listener), size: 64 * 1024 },
            20_000,
          )
          expect(result.limited).toBe(true)
          expect(result.echoed).toBe(false)
          expect(result.received).toBeLessThan(64 * 1024)
          await waitUntil(
            async () => !(await relayedTo(dialer.agent, idOf(listener))),
            10_000,
            'the relayed connection closing',
          )
          return result.received
        },
        (received) =>
          `go sees 16384 bytes; go's client keeps no count, the weft relay cut it (${received} of 65536 echoed)`,
      )
    })

    it('a go relay ends a weft circuit at its duration limit', async () => {
      // whole seconds: go announces floor(duration / 1 s) (relay.go makeLimitMsg) but enforces the exact duration
      await results.cell(
        'go relay duration limit (2 s) ends a weft circuit',
        GO,
        async () => {
          const relay = await relayNode('go', { durationLimit: 2_000 })
          const listener = await listenerNode('weft', relay)
          const dialer = await dialerNode('weft')
          if (dialer.stack !== 'weft') throw new Error('weft dialer')
          const start = Date.now()
          const { connection, echoed } = await weftEcho(dialer.host, circuitTo(relay, listener), 1024)
          expect(echoed.byteLength).toBe(1024)
          expect(connection.limits?.seconds).toBe(2)
          await waitUntil(() => connection.status !== 'open', 10_000, 'the relayed connection closing')
          const lived = Date.now() - start
          expect(lived).toBeGreaterThanOrEqual(1_500)
          return lived
        },
        (lived) => `weft sees the announced 2 s; the circuit closed after ${lived} ms`,
      )
    })

    it('a weft relay ends a go circuit at its duration limit', async () => {
      await results.cell(
        'weft relay duration limit (1.5 s) ends a go circuit',
        GO,
        async () => {
          const relay = await relayNode('weft', { durationLimit: 1_500 })
          const listener = await listenerNode('go', relay)
          const dialer = await dialerNode('go')
          if (dialer.stack !== 'go') throw new Error('go dialer')
          // weft announces whole seconds rounded up (messages.ts): never stricter than announced
          const reservation = await dialer.agent.request<{ limitDuration: number }>('reserve', {
            addr: addressOf(relay),
          })
          expect(reservation.limitDuration).toBe(2_000)
          const start = Date.now()
          const result = await dialer.agent.request<EchoResult>('echo', {
            addr: circuitTo(relay, listener),
            size: 1024,
          })
          expect(result).toMatchObject({ limited: true, echoed: true })
          await waitUntil(
            async () => !(await relayedTo(dialer.agent, idOf(listener))),
            10_000,
            'the relayed connection closing',
          )
          const lived = Date.now() - start
          expect(lived).toBeGreaterThanOrEqual(1_000)
          return lived
        },
        (lived) =>
          `go sees 2 s (1.5 s rounded up); go's client keeps no timer, the weft relay closed it after ${lived} ms`,
      )
    })

    it('a go relay refuses a weft client beyond its reservation count', async () => {
      await results.cell('go relay (1 reservation) refuses a second weft client', GO, async () => {
        const relay = await relayNode('go', { maxReservations: 1 })
        await listenerNode('weft', relay)
        await expect(listenerNode('weft', relay)).rejects.toThrow(/RESERVATION_REFUSED/)
      })
    })

    it('a weft relay refuses a go client beyond its reservation count', async () => {
      await results.cell('weft relay (1 reservation) refuses a second go client', GO, async () => {
        const relay = await relayNode('weft', { maxReservations: 1 })
        await listenerNode('go', relay)
        await expect(listenerNode('go', relay)).rejects.toThrow(/RESERVATION_REFUSED/)
      })
    })
  },
)

/** Whether the go host has a relayed connection to `peer`. */
async function relayedTo(agent: GoAgent, peer: string): Promise<boolean> {
  const connections = await agent.request<ConnectionInfo[]>('connections')
  return connections.some((c) => c.remotePeer === peer && !c.direct)
}
