/**
 * Hosts for the relay tests, on TCP loopback. @weft/host, @weft/tcp,
 * @weft/noise and @weft/yamux are not dependencies of this package, so they
 * are imported from their sources (tsconfig references build them first).
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import {
  type CircuitRelayServer,
  type CircuitRelayServerInit,
  circuitRelayServer,
  circuitRelayTransport,
  isCircuitAddress,
} from '../src/index.js'

export const ECHO = '/weft/test/echo/1.0.0'

export type RelayHost = Host<{ relay: CircuitRelayServer }>

const hosts: Host[] = []

export async function stopAll(): Promise<void> {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
}

export async function relayHost(init: CircuitRelayServerInit = {}): Promise<RelayHost> {
  const host = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { relay: circuitRelayServer(init) },
  })
  hosts.push(host)
  return host
}

/** A host with the circuit transport; `listen` may name `/p2p-circuit` addresses. */
export async function clientHost(
  listen: Array<string | Multiaddr> = ['/ip4/127.0.0.1/tcp/0'],
): Promise<Host> {
  const host = await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport({ timeout: 10_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  hosts.push(host)
  await host.handle(ECHO, (stream) => void echo(stream), { runOnLimitedConnection: true })
  return host
}

async function echo(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

export function circuitAddressOf(host: Host): Multiaddr {
  const address = host.getMultiaddrs().find(isCircuitAddress)
  if (address == null) throw new Error(`${host.peerId} has no circuit address`)
  return address
}

/** Sends `bytes` over an echo stream and collects what comes back. */
export async function echoOver(connection: Connection, bytes: Uint8Array): Promise<Uint8Array> {
  const stream = await connection.newStream(ECHO, { runOnLimitedConnection: true })
  const received: Uint8Array[] = []
  let total = 0
  const done = (async () => {
    for await (const chunk of stream) {
      const part = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      received.push(part)
      total += part.byteLength
      if (total >= bytes.byteLength) break
    }
  })()
  if (!stream.send(bytes)) await stream.onDrain()
  await done
  await stream.close().catch(() => {})
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of received) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

export async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
