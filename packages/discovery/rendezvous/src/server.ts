/**
 * The rendezvous point: serves /rendezvous/1.0.0 from a `Registrations`
 * table. A stream may carry several requests, one after the other (at most
 * `maxRequestsPerStream`), each answered, and the answer drained, before the
 * next is read; the whole stream is bounded by `timeout`. A registration must
 * carry a signed peer record of the peer on the other end of the connection
 * (E_NOT_AUTHORIZED otherwise). Expired registrations are swept every
 * `gcInterval` ms.
 *
 * DISCOVER answers are bounded in bytes: each at most `maxResponseSize`
 * (paged by a byte budget as well as by count: the cookie continues after
 * the last registration sent), at most `maxDiscoversPerPeer` of one peer in
 * flight (built but not yet taken by the peer) and at most
 * `maxPendingResponseBytes` of them in flight in all. Past those limits the
 * answer is a short E_UNAVAILABLE, so a peer that asks and does not read
 * cannot make the point hold answers without bound.
 */
import type { ComponentLogger, Connection, Logger, Startable, Stream } from '@libp2p/interface'
import { openPeerRecord } from '@weft/record'
import { anySignal, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { discoverBudget, resolveServerConfig } from './config.js'
import { RendezvousStoppedError } from './errors.js'
import { type RegistrationLimits, RegistrationRefusedError, Registrations } from './registrations.js'
import { Message } from './rendezvous.pb.js'
import { nextTurn, PROTOCOL, readMessage, toNumber, writeMessage } from './wire.js'

export interface RendezvousServerInit extends Partial<RegistrationLimits> {
  /** bytes of one request (default `maxRecordSize` + 1 KiB) */
  maxMessageSize?: number
  /** bytes of one DISCOVER answer (default 1 MiB, at most 4 MiB: what a weft client accepts) */
  maxResponseSize?: number
  /** DISCOVER answers one peer may have in flight (default 2) */
  maxDiscoversPerPeer?: number
  /** bytes of DISCOVER answers in flight across all peers (default 8 MiB) */
  maxPendingResponseBytes?: number
  /** ms a stream may stay open (default 10 000) */
  timeout?: number
  /** requests served on one stream (default 100) */
  maxRequestsPerStream?: number
  /** inbound streams per connection (default 8) */
  maxInboundStreams?: number
  /** ms between sweeps of expired registrations (default 60 000) */
  gcInterval?: number
}

export interface RendezvousServerComponents {
  registrar: HandlerRegistrar
  logger: ComponentLogger
}

export class RendezvousServer implements Startable {
  readonly [Symbol.toStringTag] = '@weft/rendezvous-server'
  readonly registrations: Registrations
  private readonly log: Logger
  private readonly handler: ProtocolHandler
  private readonly maxMessageSize: number
  /** bytes of registrations one DISCOVER answer may carry */
  private readonly discoverBudget: number
  private readonly maxDiscoversPerPeer: number
  private readonly maxPendingResponseBytes: number
  private readonly timeout: number
  private readonly maxRequestsPerStream: number
  private readonly gcInterval: number
  /** DISCOVER answers in flight, per peer */
  private readonly discoversInFlight = new Map<string, number>()
  private pendingResponseBytes = 0
  private gcTimer?: ReturnType<typeof setInterval>

  constructor(components: RendezvousServerComponents, init: RendezvousServerInit = {}) {
    this.log = components.logger.forComponent('weft:rendezvous:server')
    this.registrations = new Registrations(init)
    const config = resolveServerConfig(init, this.registrations.limits)
    this.maxMessageSize = config.maxMessageSize
    this.discoverBudget = discoverBudget(config, this.registrations.limits)
    this.maxDiscoversPerPeer = config.maxDiscoversPerPeer
    this.maxPendingResponseBytes = config.maxPendingResponseBytes
    this.timeout = config.timeout
    this.maxRequestsPerStream = config.maxRequestsPerStream
    this.gcInterval = config.gcInterval
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      options: { maxInboundStreams: config.maxInboundStreams },
      handler: (stream, connection) => {
        void this.serve(stream, connection)
      },
      stoppedError: () => new RendezvousStoppedError('the rendezvous point stopped'),
    })
  }

  /** Bytes of DISCOVER answers built and not yet taken by their peers. */
  get pendingBytes(): number {
    return this.pendingResponseBytes
  }

  isStarted(): boolean {
    return this.handler.isStarted()
  }

  async start(): Promise<void> {
    await this.handler.start()
    this.gcTimer ??= setInterval(() => this.registrations.expire(Date.now()), this.gcInterval)
  }

  async stop(): Promise<void> {
    clearInterval(this.gcTimer)
    this.gcTimer = undefined
    await this.handler.stop()
    this.registrations.clear()
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const signal = anySignal([this.handler.signal], this.timeout)
    const reader = new StreamReader(stream, { maxBufferLength: this.maxMessageSize + 16 })
    try {
      for (let served = 0; served < this.maxRequestsPerStream; served++) {
        let request: Message
        try {
          request = await readMessage(reader, this.maxMessageSize, 0, { signal })
        } catch (err) {
          // the client closed its end after its last request
          if ((err as Error).name === 'UnexpectedEOFError' && reader.bufferedBytes === 0) break
          throw err
        }
        if (request.type === Message.MessageType.DISCOVER) {
          await this.serveDiscover(stream, request, connection, signal)
        } else {
          const response = await this.answer(request, connection)
          if (response != null) await writeMessage(stream, response, { signal })
        }
        // a REGISTER costs a signature check and a record parse, a DISCOVER
        // an encoding: let other work run between requests, so that a burst
        // already buffered cannot hold the event loop
        await nextTurn()
      }
      await stream.close({ signal })
    } catch (err) {
      this.log('rendezvous stream from %p failed: %s', connection.remotePeer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      signal.clear()
      reader.release()
    }
  }

  /** Answers a DISCOVER and waits until the peer has taken the answer, holding its bytes in the counts meanwhile. */
  private async serveDiscover(
    stream: Stream,
    request: Message,
    connection: Connection,
    signal: AbortSignal,
  ): Promise<void> {
    const peer = connection.remotePeer.toString()
    const inFlight = this.discoversInFlight.get(peer) ?? 0
    if (inFlight >= this.maxDiscoversPerPeer) {
      const text = `at most ${this.maxDiscoversPerPeer} DISCOVER answers per peer may wait to be read`
      await writeMessage(stream, unavailable(text), { signal })
      return
    }
    const room = Math.min(this.discoverBudget, this.maxPendingResponseBytes - this.pendingResponseBytes)
    const { response, bytes } = this.discover(request, Date.now(), room)
    if (bytes > room) {
      const text = 'the rendezvous point is busy sending other answers; try again later'
      await writeMessage(stream, unavailable(text), { signal })
      return
    }
    this.discoversInFlight.set(peer, inFlight + 1)
    this.pendingResponseBytes += bytes
    try {
      await writeMessage(stream, response, { signal })
    } finally {
      this.pendingResponseBytes -= bytes
      const left = (this.discoversInFlight.get(peer) ?? 1) - 1
      if (left <= 0) this.discoversInFlight.delete(peer)
      else this.discoversInFlight.set(peer, left)
    }
  }

  private async answer(request: Message, connection: Connection): Promise<Message | undefined> {
    const now = Date.now()
    switch (request.type) {
      case Message.MessageType.REGISTER:
        return {
          type: Message.MessageType.REGISTER_RESPONSE,
          registerResponse: await this.register(request, connection, now),
        }
      case Message.MessageType.UNREGISTER:
        if (request.unregister?.ns != null)
          this.registrations.unregister(request.unregister.ns, connection.remotePeer.toString())
        return undefined
      default:
        throw new RegistrationRefusedError(
          'E_NOT_AUTHORIZED',
          `unexpected message type ${String(request.type)}`,
        )
    }
  }

  private async register(
    request: Message,
    connection: Connection,
    now: number,
  ): Promise<Message.RegisterResponse> {
    const register = request.register
    const record = register?.signedPeerRecord
    if (register == null || record == null) {
      return refuse('E_INVALID_SIGNED_PEER_RECORD', 'the registration carries no signed peer record')
    }
    const input = {
      namespace: register.ns ?? '',
      peer: connection.remotePeer.toString(),
      signedPeerRecord: record,
      ttl: toNumber(register.ttl, 0xffffffff),
    }
    try {
      // refuse what would be refused anyway before verifying a signature
      this.registrations.check(input, now)
    } catch (err) {
      if (err instanceof RegistrationRefusedError) return refuse(err.status, err.message)
      throw err
    }
    try {
      const { record: opened } = await openPeerRecord(record)
      if (!opened.peerId.equals(connection.remotePeer)) {
        return refuse('E_NOT_AUTHORIZED', 'a peer may register only itself')
      }
    } catch (err) {
      return refuse('E_INVALID_SIGNED_PEER_RECORD', `invalid signed peer record: ${(err as Error).message}`)
    }
    try {
      // checked again: the table may have changed while the signature was verified
      const registration = this.registrations.register(input, now)
      this.log(
        '%p registered in "%s" for %d s',
        connection.remotePeer,
        registration.namespace,
        registration.ttl,
      )
      return { status: Message.ResponseStatus.OK, ttl: BigInt(registration.ttl) }
    } catch (err) {
      if (err instanceof RegistrationRefusedError) return refuse(err.status, err.message)
      throw err
    }
  }

  /** The answer to a DISCOVER carrying at most `maxBytes` of registrations, and those bytes. */
  private discover(request: Message, now: number, maxBytes: number): { response: Message; bytes: number } {
    const discover = request.discover ?? {}
    try {
      const { registrations, cookie, bytes } = this.registrations.discover(
        discover.ns,
        toNumber(discover.limit, 0xffffffff),
        discover.cookie,
        now,
        maxBytes,
      )
      const discoverResponse: Message.DiscoverResponse = {
        status: Message.ResponseStatus.OK,
        cookie,
        registrations: registrations.map((registration) => ({
          ns: registration.namespace,
          signedPeerRecord: registration.signedPeerRecord,
          ttl: BigInt(Math.max(0, Math.ceil((registration.expires - now) / 1000))),
        })),
      }
      return { response: { type: Message.MessageType.DISCOVER_RESPONSE, discoverResponse }, bytes }
    } catch (err) {
      if (!(err instanceof RegistrationRefusedError)) throw err
      const discoverResponse = {
        status: Message.ResponseStatus[err.status],
        statusText: err.message,
        registrations: [],
      }
      return { response: { type: Message.MessageType.DISCOVER_RESPONSE, discoverResponse }, bytes: 0 }
    }
  }
}

function unavailable(text: string): Message {
  return {
    type: Message.MessageType.DISCOVER_RESPONSE,
    discoverResponse: { status: Message.ResponseStatus.E_UNAVAILABLE, statusText: text, registrations: [] },
  }
}

type Status = Exclude<keyof typeof Message.ResponseStatus, 'codec'>

function refuse(status: Status, text: string): Message.RegisterResponse {
  return { status: Message.ResponseStatus[status], statusText: text }
}
