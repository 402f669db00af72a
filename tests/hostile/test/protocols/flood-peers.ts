/**
 * The attackers of the flood tests (floods.test.ts): many cheap peers, each
 * a raw socket bound to its own source address in 127.0.0.0/8 (Linux routes
 * all of it to lo, so the target sees as many remote IPs) and, when it
 * completes the handshake, a fresh identity. None runs a host: one host per
 * attacker would cost the test process more than the target.
 */
import { connect, type Socket } from 'node:net'
import type { Connection, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { encodeLengthPrefixed } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { negotiatingConnection, YAMUX } from '../hostile/attacker.js'
import { type SecuredPeer, securedPeer } from '../hostile/secured-peer.js'
import { sleep, type Target } from './harness.js'

/** Source address `index` (0-based, up to 249) of block `block`: 127.0.<block>.<index + 1>. */
export function sourceAddress(block: number, index: number): string {
  if (index < 0 || index > 249) throw new RangeError(`a block holds 250 addresses, got index ${index}`)
  return `127.0.${block}.${index + 1}`
}

export function portOf(target: Target): number {
  return Number(/\/tcp\/(\d+)/.exec(target.address.toString())?.[1])
}

/**
 * A connection from `localAddress` with a fresh identity, upgraded through
 * Noise and yamux selection; undefined when the target refused it (it closes
 * the socket, so the handshake fails).
 */
export async function connectFrom(target: Target, localAddress: string): Promise<SecuredPeer | undefined> {
  const privateKey = await generateKeyPair('Ed25519')
  try {
    return await securedPeer(portOf(target), YAMUX, { localAddress, privateKey })
  } catch {
    return undefined
  }
}

/**
 * Up to `want` connections from `localAddress`, one at a time (so the
 * per-address cap on pending upgrades never refuses them), trying at most
 * `attempts` times in all and stopping at `deadline` (ms since the epoch).
 */
export async function holdConnections(
  target: Target,
  localAddress: string,
  want: number,
  attempts: number,
  deadline: number,
): Promise<SecuredPeer[]> {
  const held: SecuredPeer[] = []
  for (let attempt = 0; attempt < attempts && held.length < want && Date.now() < deadline; attempt++) {
    const peer = await connectFrom(target, localAddress)
    if (peer != null) held.push(peer)
    // refused: the target is full, or its upgrade slots are; let them drain a little
    else await sleep(50 + Math.random() * 100)
  }
  return held
}

/** A socket that stopped mid-handshake: it proposed `/noise`, then says nothing more. */
export interface Staller {
  socket: Socket
  isClosed(): boolean
  /** resolves when the target (or the test) closed the socket */
  closed: Promise<void>
}

/**
 * Connects from `localAddress` and writes the multistream header and the
 * `/noise` proposal, nothing else: the target agrees and then waits for the
 * first Noise message until its upgrade timeout, holding an upgrade slot.
 */
export async function stall(target: Target, localAddress: string): Promise<Staller> {
  const socket = connect({ host: '127.0.0.1', port: portOf(target), localAddress })
  let closedFlag = false
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedFlag = true
      resolve()
    }),
  )
  await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed])
  if (!closedFlag) {
    const text = (line: string) => encodeLengthPrefixed(new TextEncoder().encode(`${line}\n`))
    socket.write(text('/multistream/1.0.0'))
    socket.write(text('/noise'))
  }
  return { socket, closed, isClosed: () => closedFlag }
}

/** A bare yamux session over `peer`: streams we open are negotiated; streams the target opens are refused. */
export function muxedConnection(
  peer: SecuredPeer,
  maxOutboundStreams = 1024,
): {
  newStream(protocol: string, options: { signal: AbortSignal }): Promise<Stream>
  asConnection(): Connection
} {
  const muxer = yamux({ enableKeepAlive: false, maxOutboundStreams })().createStreamMuxer(peer.secured)
  // identify and the like from the target: an attacker answers nothing
  muxer.addEventListener('stream', (evt) => evt.detail.abort(new Error('not served')))
  const connection = negotiatingConnection(muxer)
  return {
    newStream: connection.newStream,
    // enough of a Connection for client helpers that only open streams (circuit-relay's `reserve`)
    asConnection: () =>
      ({ remotePeer: peer.remotePeer, newStream: connection.newStream }) as unknown as Connection,
  }
}

/** Runs `task(i)` for i in [0, count), at most `concurrency` at once; resolves with every result in order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}
