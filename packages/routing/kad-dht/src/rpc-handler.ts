/**
 * The server side (libp2p/specs kad-dht/README.md, "RPC messages"):
 * `RequestHandler` maps a request and the peer that sent it to the reply (or
 * to none, for ADD_PROVIDER) without knowing of streams; `serveRequests`
 * runs it over one inbound stream.
 */
import type { AbortOptions, Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { anySignal, equalBytes, StreamReader, sendAll } from '@weft/utils'
import { kadId } from './distance.js'
import { InvalidMessageError } from './errors.js'
import { yieldToEventLoop } from './event-loop.js'
import { Message } from './message.pb.js'
import { encodeMessage, readMessage, wireBytes } from './network.js'
import type { Providers } from './providers.js'
import type { RecordStore } from './record-store.js'
import { type Validators, validateRecord } from './records.js'
import type { RoutingTable } from './routing-table.js'

export interface RequestHandlerInit {
  self: PeerId
  routingTable: RoutingTable
  providers: Providers
  records: RecordStore
  validators: Validators
  /** addresses to tell others for a peer (ourselves included); [] when unknown */
  addressesOf: (peerId: PeerId, options?: AbortOptions) => Promise<Multiaddr[]>
  maxRecordSize: number
  /** providers returned per GET_PROVIDERS reply */
  maxProvidersPerReply: number
  log: Logger
}

const MAX_KEY_LENGTH = 1024

export class RequestHandler {
  constructor(private readonly init: RequestHandlerInit) {}

  async handle(
    from: PeerId,
    request: Message,
    options?: AbortOptions,
  ): Promise<Partial<Message> | undefined> {
    if (request.type === Message.MessageType.PING) return { type: Message.MessageType.PING }
    const key = request.key
    if (key == null || key.byteLength === 0)
      throw new InvalidMessageError('expected a DHT request with a key, got none')
    if (key.byteLength > MAX_KEY_LENGTH) {
      throw new InvalidMessageError(`DHT key of ${key.byteLength} bytes exceeds ${MAX_KEY_LENGTH} bytes`)
    }
    switch (request.type) {
      case Message.MessageType.FIND_NODE:
        return { type: request.type, key, closerPeers: await this.closerPeers(key, from, options) }
      case Message.MessageType.GET_VALUE:
        return this.getValue(from, key, options)
      case Message.MessageType.PUT_VALUE:
        return this.putValue(key, request, options)
      case Message.MessageType.GET_PROVIDERS:
        return this.getProviders(from, key, options)
      case Message.MessageType.ADD_PROVIDER:
        await this.addProvider(from, key, request, options)
        return undefined
      default:
        throw new InvalidMessageError(`unknown DHT message type ${String(request.type)}`)
    }
  }

  /** The k closest peers we know to `key`, leaving out the requester (spec: FIND_NODE). */
  async closerPeers(
    key: Uint8Array,
    from: PeerId | undefined,
    options?: AbortOptions,
  ): Promise<Message.Peer[]> {
    const { routingTable } = this.init
    const entries = routingTable.closest(kadId(key), routingTable.k + 1)
    const out: Message.Peer[] = []
    for (const entry of entries) {
      if (from != null && entry.peerId.equals(from)) continue
      if (out.length >= routingTable.k) break
      const addrs = await this.init.addressesOf(entry.peerId, options)
      if (addrs.length === 0) continue
      out.push({
        id: entry.peerId.toMultihash().bytes,
        addrs: addrs.map((addr) => addr.bytes),
        connection: Message.ConnectionType.NOT_CONNECTED,
      })
    }
    return out
  }

  private async getValue(
    from: PeerId,
    key: Uint8Array<ArrayBuffer>,
    options?: AbortOptions,
  ): Promise<Partial<Message>> {
    const reply: Partial<Message> = {
      type: Message.MessageType.GET_VALUE,
      key,
      closerPeers: await this.closerPeers(key, from, options),
    }
    const record = await this.init.records.get(key, options)
    if (record != null) reply.record = record
    return reply
  }

  private async putValue(
    key: Uint8Array<ArrayBuffer>,
    request: Message,
    options?: AbortOptions,
  ): Promise<Partial<Message>> {
    const record = request.record
    if (record?.key == null || record.value == null) {
      throw new InvalidMessageError('expected PUT_VALUE with a record of a key and a value')
    }
    if (record.value.byteLength > this.init.maxRecordSize) {
      throw new InvalidMessageError(
        `record value of ${record.value.byteLength} bytes exceeds the limit of ${this.init.maxRecordSize} bytes`,
      )
    }
    if (!equalBytes(record.key, key))
      throw new InvalidMessageError('PUT_VALUE record key differs from the message key')
    await validateRecord(this.init.validators, record.key, record.value, options)
    await this.init.records.put(record.key, record.value, options)
    // the spec: "the receiver ... responds with the same message"
    return { type: request.type, key, record }
  }

  private async getProviders(
    from: PeerId,
    key: Uint8Array<ArrayBuffer>,
    options?: AbortOptions,
  ): Promise<Partial<Message>> {
    const providers = await this.init.providers.getWire(key, {
      signal: options?.signal,
      limit: this.init.maxProvidersPerReply,
    })
    const providerPeers: Message.Peer[] = []
    for (const provider of providers) {
      let addrs = provider.addrs
      if (addrs.length === 0) {
        try {
          const known = await this.init.addressesOf(peerIdFromBytes(provider.id), options)
          addrs = known.map((addr) => addr.bytes)
        } catch {
          // a peer id that does not parse: sent without addresses
        }
      }
      providerPeers.push({
        id: wireBytes(provider.id),
        addrs: addrs.map(wireBytes),
        connection: Message.ConnectionType.NOT_CONNECTED,
      })
    }
    return {
      type: Message.MessageType.GET_PROVIDERS,
      key,
      providerPeers,
      closerPeers: await this.closerPeers(key, from, options),
    }
  }

  private async addProvider(
    from: PeerId,
    key: Uint8Array,
    request: Message,
    options?: AbortOptions,
  ): Promise<void> {
    // only the sender may announce itself (spec: "the receiver ... checks that
    // the provider is the sender"); compared as bytes, nothing parsed
    const sender = from.toMultihash().bytes
    for (const peer of request.providerPeers) {
      if (peer.id == null) continue
      if (!equalBytes(peer.id, sender)) {
        this.init.log('ignoring ADD_PROVIDER from %p for another peer', from)
        continue
      }
      await this.init.providers.addWire(key, from, peer.addrs, options)
      return
    }
  }
}

export interface ServeInit {
  handler: RequestHandler
  maxMessageSize: number
  /** sequential requests answered on one stream */
  maxRequests: number
  /** ms to wait for each request */
  idleTimeout: number
  /** aborts when the service stops */
  signal: AbortSignal
  log: Logger
}

/**
 * Answers the requests that arrive on one inbound stream, in order, until
 * the remote closes its end or `maxRequests` were answered; a malformed
 * message, a timeout or a failing request resets only this stream.
 */
export async function serveRequests(stream: Stream, connection: Connection, init: ServeInit): Promise<void> {
  const reader = new StreamReader(stream, { maxBufferLength: init.maxMessageSize + 16 })
  try {
    for (let i = 0; i < init.maxRequests; i++) {
      const signal = anySignal([init.signal], init.idleTimeout)
      try {
        const request = await readMessage(reader, init.maxMessageSize, { signal })
        if (request == null) break
        const reply = await init.handler.handle(connection.remotePeer, request, { signal })
        if (reply != null) await sendAll(stream, encodeMessage(reply), { signal })
        // requests already buffered would otherwise run back to back in
        // microtasks: let other streams and sockets in between
        await yieldToEventLoop()
      } finally {
        signal.clear()
      }
    }
    reader.release()
    await stream.close()
  } catch (err) {
    init.log('DHT stream from %p failed: %e', connection.remotePeer, err)
    reader.release()
    stream.abort(err as Error)
  }
}
