/**
 * The weft side of the go-libp2p protocol tests: hosts on TCP loopback with
 * the DHT, gossipsub, or circuit relay (server or client), plus the shared
 * helpers (the go agent's echo protocol, polling with a deadline, the binary
 * check that decides whether the suites run).
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { circuitRelayServer, circuitRelayTransport } from '@weft/circuit-relay'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { notRunReason } from '@weft/testkit'
import { yamux } from '@weft/yamux'

/** `''` when the suites run; else why not (` (not run: needs go)`), for the suite title. */
export const GO_NOT_RUN = notRunReason(['go'])

export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'
/** The echo the go agent serves and uses (the NAT lab's). */
export const ECHO_PROTOCOL = '/weft/lab/echo/1.0.0'
const LISTEN = ['/ip4/127.0.0.1/tcp/0']

export type Host = Libp2p<Record<string, unknown>>

export async function weftDHTHost(): Promise<Host> {
  return (await createHost({
    addresses: { listen: LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { minConnections: 0 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ clientMode: false, requestTimeout: 5_000, initialRefreshDelay: 200 }),
    },
  })) as unknown as Host
}

/** What the tests use of weft's gossipsub. */
export interface GossipSubLike extends EventTarget {
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<unknown>
  getSubscribers(topic: string): PeerId[]
  getMeshPeers(topic: string): string[]
}

export type PubSubHost = Libp2p<{ pubsub: GossipSubLike }>

export async function weftPubSubHost(): Promise<PubSubHost> {
  // weft's default message id is from + seqno, go-libp2p-pubsub's default too
  return (await createHost({
    addresses: { listen: LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub({ heartbeatInterval: 200 }) },
  })) as unknown as PubSubHost
}

export interface RelayLimits {
  maxReservations?: number
  dataLimit?: bigint
  durationLimit?: number
}

export async function weftRelayHost(limits: RelayLimits = {}): Promise<Host> {
  return (await createHost({
    addresses: { listen: LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), relay: circuitRelayServer(limits) },
  })) as unknown as Host
}

/** A relay client listening on `listen` (a `<relay>/p2p-circuit` address reserves there) and serving the echo. */
export async function weftRelayClient(listen: string[] = LISTEN): Promise<Host> {
  const host = (await createHost({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport({ timeout: 10_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })) as unknown as Host
  await host.handle(ECHO_PROTOCOL, (stream) => void echoHandler(stream), { runOnLimitedConnection: true })
  return host
}

/** Echoes every byte back, then closes the writable end when the remote does. */
export async function echoHandler(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** The go agent's echo payload: byte i is (i × 31) mod 256. */
export function echoPayload(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
}

/** Sends `data`, half-closes and returns every byte read back (a reset ends the read early: fewer bytes). */
export async function echoRoundTrip(
  stream: Stream,
  data: Uint8Array,
  chunkSize = 16 * 1024,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  const reading = (async () => {
    for await (const chunk of stream) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())
  })()
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    if (!stream.send(data.subarray(offset, offset + chunkSize))) await stream.onDrain()
  }
  await stream.close()
  await reading
  return Buffer.concat(chunks)
}

/** Polls `check` every 25 ms until it holds or `ms` pass (then throws, naming `what`). */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
