/** Shared setup for the integration tests: identities, encrypters, stream pairs. */
import type {
  KeyType,
  MessageStream,
  PrivateKey,
  SecureConnectionOptions,
  SecuredConnection,
  StreamMuxer,
  StreamMuxerFactory,
} from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, type PairedStream, type StreamPairInit, streamPair } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { Noise, type NoiseExtensions, type NoiseInit } from '../src/index.js'

export interface Peer {
  privateKey: PrivateKey
  noise: Noise
}

export async function createPeer(
  type: KeyType = 'Ed25519',
  init: NoiseInit = {},
  muxers?: string[],
  privateKey?: PrivateKey,
): Promise<Peer> {
  const key = privateKey ?? (await generateKeyPair(type as 'Ed25519'))
  const upgrader = muxers == null ? undefined : { getStreamMuxers: () => muxerMap(muxers) }
  const noise = new Noise(
    { privateKey: key, peerId: peerIdFromPrivateKey(key), logger: defaultLogger(), upgrader },
    init,
  )
  return { privateKey: key, noise }
}

/** Fake muxer factories: only their identity matters to these tests. */
export function muxerMap(protocols: string[]): Map<string, StreamMuxerFactory> {
  return new Map(
    protocols.map((protocol) => [
      protocol,
      {
        protocol,
        createStreamMuxer: (): StreamMuxer => {
          throw new Error('not used')
        },
      },
    ]),
  )
}

export interface SecuredPair {
  outbound: SecuredConnection<NoiseExtensions>
  inbound: SecuredConnection<NoiseExtensions>
  rawOutbound: ReturnType<typeof streamPair>[0]
  rawInbound: ReturnType<typeof streamPair>[1]
}

export async function securePair(
  dialer: Peer,
  listener: Peer,
  options: {
    pair?: StreamPairInit
    outbound?: SecureConnectionOptions
    inbound?: SecureConnectionOptions
  } = {},
): Promise<SecuredPair> {
  const [rawOutbound, rawInbound] = streamPair(options.pair)
  const signal = AbortSignal.timeout(10_000)
  const [outbound, inbound] = await Promise.all([
    dialer.noise.secureOutbound(rawOutbound, { signal, ...options.outbound }),
    listener.noise.secureInbound(rawInbound, { signal, ...options.inbound }),
  ])
  return { outbound, inbound, rawOutbound, rawInbound }
}

/** Collects what `stream` delivers until it has `length` bytes. */
export async function readBytes(
  stream: MessageStream,
  length: number,
  timeoutMs = 10_000,
): Promise<Uint8Array> {
  const received = new Uint8ArrayList()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`got ${received.byteLength} of ${length} bytes`))
    }, timeoutMs)
    const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
      received.append(evt.data)
      if (received.byteLength >= length) {
        cleanup()
        const bytes = received.subarray()
        resolve(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      }
    }
    const onClose = (evt: Event & { error?: Error }): void => {
      cleanup()
      reject(evt.error ?? new Error(`closed after ${received.byteLength} of ${length} bytes`))
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
  })
}

/** Resolves with the next `type` event of `stream`. */
export async function nextEvent<T extends Event>(
  stream: MessageStream,
  type: string,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs)
    stream.addEventListener(
      type as 'close',
      (evt) => {
        clearTimeout(timer)
        resolve(evt as unknown as T)
      },
      { once: true },
    )
  })
}

export const pattern = (length: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 7 + (i >> 8)) & 0xff)

export const text = (value: string): Uint8Array => new TextEncoder().encode(value)

/** Byte equality without vitest's slow element-wise diff on large arrays. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(
    Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
  )
}

/**
 * Two stream pairs joined by a relay in the middle, which can rewrite bytes
 * in flight: [dialer end, listener end, relay controls].
 */
export function relayedPair(): [PairedStream, PairedStream, { tamper?: (bytes: Uint8Array) => void }] {
  const [dialerEnd, relayIn] = streamPair()
  const [relayOut, listenerEnd] = streamPair()
  const controls: { tamper?: (bytes: Uint8Array) => void } = {}
  relayIn.addEventListener('message', (evt) => {
    const bytes = Uint8Array.from(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
    controls.tamper?.(bytes)
    relayOut.send(bytes)
  })
  relayOut.addEventListener('message', (evt) => relayIn.send(evt.data))
  relayIn.addEventListener('close', (evt) =>
    evt.error == null ? void relayOut.close() : relayOut.abort(evt.error),
  )
  relayOut.addEventListener('close', (evt) =>
    evt.error == null ? void relayIn.close() : relayIn.abort(evt.error),
  )
  return [dialerEnd, listenerEnd, controls]
}
