/**
 * Circuit relay v2 between weft (@weft/circuit-relay) and js-libp2p
 * (@libp2p/circuit-relay-v2 4.2.13): every mix of relay, listener and dialer
 * across the two stacks (weft-only is covered in the package's own tests),
 * on TCP loopback. The listener reserves on the relay; the dialer opens a
 * limited connection through it and echoes bytes.
 */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import {
  circuitRelayServer as jsCircuitRelayServer,
  circuitRelayTransport as jsCircuitRelayTransport,
} from '@libp2p/circuit-relay-v2'
import { identify as jsIdentify } from '@libp2p/identify'
import type { Connection, Libp2p } from '@libp2p/interface'
import { tcp as jsTcp } from '@libp2p/tcp'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { circuitRelayServer, circuitRelayTransport, isCircuitAddress } from '@weft/circuit-relay'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { ECHO_PROTOCOL, echoHandler, echoRoundTrip, payload } from './echo.js'

type Stack = 'weft' | 'js'
type Node = Pick<Libp2p, 'peerId' | 'getMultiaddrs' | 'dial' | 'handle' | 'stop'>

const nodes: Node[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (node) => node.stop()))
})

interface RelayLimits {
  maxReservations?: number
  dataLimit?: bigint
}

async function relayNode(stack: Stack, limits: RelayLimits = {}): Promise<Node> {
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const node: Node =
    stack === 'weft'
      ? await createHost({
          addresses: { listen },
          transports: [tcp()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          services: { identify: identify(), relay: circuitRelayServer(limits) },
        })
      : await createLibp2p({
          addresses: { listen },
          transports: [jsTcp()],
          connectionEncrypters: [jsNoise()],
          streamMuxers: [jsYamux()],
          services: {
            identify: jsIdentify(),
            relay: jsCircuitRelayServer({
              reservations: { maxReservations: limits.maxReservations, defaultDataLimit: limits.dataLimit },
            }),
          },
        })
  nodes.push(node)
  return node
}

async function clientNode(stack: Stack, listen: string[]): Promise<Node> {
  const node: Node =
    stack === 'weft'
      ? await createHost({
          addresses: { listen },
          transports: [tcp(), circuitRelayTransport()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          services: { identify: identify() },
        })
      : await createLibp2p({
          addresses: { listen },
          transports: [jsTcp(), jsCircuitRelayTransport()],
          connectionEncrypters: [jsNoise()],
          streamMuxers: [jsYamux()],
          services: { identify: jsIdentify() },
        })
  nodes.push(node)
  await node.handle(ECHO_PROTOCOL, (stream) => void echoHandler(stream), { runOnLimitedConnection: true })
  return node
}

async function circuitAddressOf(node: Node, ms = 10_000): Promise<Multiaddr> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const found = node.getMultiaddrs().find(isCircuitAddress)
    if (found != null) return found
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${node.peerId} announced no circuit address`)
}

const cases: Array<[Stack, Stack, Stack]> = [
  ['js', 'weft', 'weft'],
  ['js', 'weft', 'js'],
  ['js', 'js', 'weft'],
  ['weft', 'js', 'js'],
  ['weft', 'js', 'weft'],
  ['weft', 'weft', 'js'],
]

describe('circuit relay v2: weft and js-libp2p', () => {
  for (const [relayStack, listenerStack, dialerStack] of cases) {
    it(`${relayStack} relay, ${listenerStack} listener, ${dialerStack} dialer`, async () => {
      const relay = await relayNode(relayStack)
      const relayAddress = relay.getMultiaddrs()[0]!
      const listener = await clientNode(listenerStack, [`${relayAddress}/p2p-circuit`])
      const address = await circuitAddressOf(listener)
      expect(address.toString()).toContain(`/p2p/${relay.peerId}/p2p-circuit`)
      const dialer = await clientNode(dialerStack, ['/ip4/127.0.0.1/tcp/0'])
      const target = multiaddr(`${relayAddress}/p2p-circuit/p2p/${listener.peerId}`)
      const connection: Connection = await dialer.dial(target, { signal: AbortSignal.timeout(20_000) })
      expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
      expect(connection.limits).toBeDefined()
      const stream = await connection.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
      const data = payload(4096, 9)
      const echoed = await echoRoundTrip(stream, data)
      expect(echoed.byteLength).toBe(data.byteLength)
      expect(Buffer.compare(echoed, data)).toBe(0)
    })
  }

  it('a js relay refuses a weft client beyond its reservation count', async () => {
    const relay = await relayNode('js', { maxReservations: 1 })
    const listen = [`${relay.getMultiaddrs()[0]}/p2p-circuit`]
    await clientNode('weft', listen)
    await expect(clientNode('weft', listen)).rejects.toThrow(/RESERVATION_REFUSED/)
  })

  it('a weft relay refuses a js client beyond its reservation count', async () => {
    const relay = await relayNode('weft', { maxReservations: 1 })
    const listen = [`${relay.getMultiaddrs()[0]}/p2p-circuit`]
    await circuitAddressOf(await clientNode('js', listen))
    await expect(clientNode('js', listen)).rejects.toThrow(/RESERVATION_REFUSED/)
  })

  for (const [relayStack, clientStack] of [
    ['js', 'weft'],
    ['weft', 'js'],
  ] as Array<[Stack, Stack]>) {
    it(`a ${relayStack} relay resets a ${clientStack} circuit over its data limit`, async () => {
      const relay = await relayNode(relayStack, { dataLimit: 16_384n })
      const relayAddress = relay.getMultiaddrs()[0]!
      const listener = await clientNode(clientStack, [`${relayAddress}/p2p-circuit`])
      await circuitAddressOf(listener)
      const dialer = await clientNode(clientStack, ['/ip4/127.0.0.1/tcp/0'])
      const connection = await dialer.dial(multiaddr(`${relayAddress}/p2p-circuit/p2p/${listener.peerId}`))
      const stream = await connection.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
      const echoed = await echoRoundTrip(stream, payload(64 * 1024, 3)).catch(() => new Uint8Array(0))
      expect(echoed.byteLength).toBeLessThan(64 * 1024)
      const deadline = Date.now() + 10_000
      while (connection.status === 'open' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(connection.status).not.toBe('open')
    })
  }
})
