/**
 * The wire side of the DHT (libp2p/specs kad-dht/README.md, "RPC messages"):
 * every message is a varint length-prefixed `Message` protobuf on a stream
 * of the DHT protocol. Outbound: one request per stream, then one reply
 * (none for ADD_PROVIDER), each bounded in size and time. Inbound: several
 * sequential requests on one stream are answered, up to a bound, as go and
 * js may reuse a stream.
 */
import type { AbortOptions, Connection, DialTarget, Logger, PeerId, Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  anySignal,
  encodeLengthPrefixed,
  MessageTooLargeError,
  StreamReader,
  sendAll,
  UnexpectedEOFError,
} from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { DHTLimitError, InvalidMessageError, UnexpectedResponseError } from './errors.js'
import { Message } from './message.pb.js'

export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024

export interface NetworkComponents {
  connectionManager: {
    openConnection(peer: DialTarget, options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
}

export interface NetworkInit {
  protocol: string
  /** ms one request may take, dial included */
  timeout: number
  maxMessageSize: number
  /** concurrent requests to one peer; more wait in a bounded queue */
  maxInFlightPerPeer: number
  log: Logger
}

/**
 * The generated codec types bytes as `Uint8Array<ArrayBuffer>`; keys and
 * values reach us as plain `Uint8Array`s, which it encodes the same.
 */
export function wireBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

/** Decodes one message, bounded; malformed bytes throw `InvalidMessageError`. */
export function decodeMessage(bytes: Uint8Array | Uint8ArrayList): Message {
  try {
    return Message.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed DHT message: ${(err as Error).message}`)
  }
}

export function encodeMessage(message: Partial<Message>): Uint8Array {
  return encodeLengthPrefixed(Message.encode(message))
}

/** Reads one length-prefixed message from `reader`; undefined when the stream ended cleanly first. */
export async function readMessage(
  reader: StreamReader,
  maxSize: number,
  options?: AbortOptions,
): Promise<Message | undefined> {
  let length: number
  try {
    length = await reader.readVarint(options)
  } catch (err) {
    // the stream ended between messages: a clean end, not an error
    if (err instanceof UnexpectedEOFError && err.received === 0) return undefined
    throw err
  }
  if (length > maxSize) throw new MessageTooLargeError(length, maxSize)
  return decodeMessage(await reader.readExact(length, options))
}

const MAX_WAITERS_PER_PEER = 64

export class Network {
  private readonly inFlight = new Map<string, { count: number; waiters: Array<() => void> }>()

  constructor(
    private readonly components: NetworkComponents,
    private readonly init: NetworkInit,
  ) {}

  /**
   * Sends `request` to `peer` (over an open connection, or dialing `addrs`)
   * and returns its reply; `expectReply: false` (ADD_PROVIDER) returns
   * undefined once the request is written.
   */
  async send(
    peer: PeerId,
    addrs: Multiaddr[],
    request: Partial<Message>,
    options: AbortOptions & { expectReply?: boolean } = {},
  ): Promise<Message | undefined> {
    const signal = anySignal([options.signal], this.init.timeout)
    const key = peer.toString()
    await this.acquire(key, signal)
    let stream: Stream | undefined
    try {
      const connection = await this.connect(peer, addrs, signal)
      stream = await connection.newStream(this.init.protocol, { signal })
      await sendAll(stream, encodeMessage(request), { signal })
      if (options.expectReply === false) {
        await stream.close({ signal })
        return undefined
      }
      const reader = new StreamReader(stream, { maxBufferLength: this.init.maxMessageSize + 16 })
      let reply: Message | undefined
      try {
        reply = await readMessage(reader, this.init.maxMessageSize, { signal })
      } finally {
        reader.release()
      }
      if (reply == null) throw new UnexpectedResponseError(`${key} closed the stream without a reply`)
      if (reply.type !== request.type) {
        throw new UnexpectedResponseError(`expected a reply of type ${request.type}, got ${reply.type}`)
      }
      await stream.close({ signal }).catch(() => stream?.abort(new Error('close failed')))
      return reply
    } catch (err) {
      stream?.abort(err as Error)
      throw err
    } finally {
      signal.clear()
      this.release(key)
    }
  }

  private async connect(peer: PeerId, addrs: Multiaddr[], signal: AbortSignal): Promise<Connection> {
    const open = this.components.connectionManager
      .getConnections(peer)
      .find((connection) => connection.status === 'open' && connection.limits == null)
    if (open != null) return open
    if (addrs.length === 0) return this.components.connectionManager.openConnection(peer, { signal })
    const suffix = `/p2p/${peer.toString()}`
    const targets = addrs.map((addr) =>
      addr.getComponents().some((c) => c.name === 'p2p') ? addr : addr.encapsulate(suffix),
    )
    return this.components.connectionManager.openConnection(targets, { signal })
  }

  private async acquire(key: string, signal: AbortSignal): Promise<void> {
    let slot = this.inFlight.get(key)
    if (slot == null) {
      slot = { count: 0, waiters: [] }
      this.inFlight.set(key, slot)
    }
    if (slot.count < this.init.maxInFlightPerPeer) {
      slot.count++
      return
    }
    if (slot.waiters.length >= MAX_WAITERS_PER_PEER) {
      throw new DHTLimitError(`too many requests queued for ${key}`)
    }
    const current = slot
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = current.waiters.indexOf(wake)
        if (index >= 0) current.waiters.splice(index, 1)
        reject(signal.reason)
      }
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      if (signal.aborted) {
        reject(signal.reason)
        return
      }
      signal.addEventListener('abort', onAbort, { once: true })
      current.waiters.push(wake)
    })
  }

  private release(key: string): void {
    const slot = this.inFlight.get(key)
    if (slot == null) return
    const next = slot.waiters.shift()
    if (next != null) {
      next() // the slot passes to the waiter
      return
    }
    slot.count--
    if (slot.count === 0) this.inFlight.delete(key)
  }
}

/** Parses the addresses of a wire `Peer`, leaving out any that do not parse; at most `limit`. */
export function parseAddrs(addrs: Uint8Array[], limit = 32): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addrs) {
    if (out.length >= limit) break
    try {
      out.push(multiaddr(bytes))
    } catch {
      // ignore addresses we cannot parse
    }
  }
  return out
}
