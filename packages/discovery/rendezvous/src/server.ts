/**
 * The rendezvous point: serves /rendezvous/1.0.0 from a `Registrations`
 * table. A stream may carry several requests, one after the other (at most
 * `maxRequestsPerStream`), each answered before the next is read; the whole
 * stream is bounded by `timeout`. A registration must carry a signed peer
 * record of the peer on the other end of the connection (E_NOT_AUTHORIZED
 * otherwise). Expired registrations are swept every `gcInterval` ms.
 */
import type { ComponentLogger, Connection, Logger, Startable, Stream } from '@libp2p/interface'
import { openPeerRecord } from '@weft/record'
import { anySignal, type HandlerRegistrar, ProtocolHandler, StreamReader } from '@weft/utils'
import { RendezvousStoppedError } from './errors.js'
import { type RegistrationLimits, RegistrationRefusedError, Registrations } from './registrations.js'
import { Message } from './rendezvous.pb.js'
import { DEFAULT_MAX_MESSAGE_SIZE, PROTOCOL, readMessage, toNumber, writeMessage } from './wire.js'

export interface RendezvousServerInit extends Partial<RegistrationLimits> {
  /** bytes of one request (default 80 KiB) */
  maxMessageSize?: number
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
  private readonly timeout: number
  private readonly maxRequestsPerStream: number
  private readonly gcInterval: number
  private gcTimer?: ReturnType<typeof setInterval>

  constructor(components: RendezvousServerComponents, init: RendezvousServerInit = {}) {
    this.log = components.logger.forComponent('weft:rendezvous:server')
    this.registrations = new Registrations(init)
    this.maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.timeout = init.timeout ?? 10_000
    this.maxRequestsPerStream = init.maxRequestsPerStream ?? 100
    this.gcInterval = init.gcInterval ?? 60_000
    this.handler = new ProtocolHandler({
      registrar: components.registrar,
      protocol: PROTOCOL,
      options: { maxInboundStreams: init.maxInboundStreams ?? 8 },
      handler: (stream, connection) => {
        void this.serve(stream, connection)
      },
      stoppedError: () => new RendezvousStoppedError('the rendezvous point stopped'),
    })
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
        const response = await this.answer(request, connection)
        if (response != null) await writeMessage(stream, response, { signal })
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
      case Message.MessageType.DISCOVER:
        return { type: Message.MessageType.DISCOVER_RESPONSE, discoverResponse: this.discover(request, now) }
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
    try {
      const { record: opened } = await openPeerRecord(record)
      if (!opened.peerId.equals(connection.remotePeer)) {
        return refuse('E_NOT_AUTHORIZED', 'a peer may register only itself')
      }
    } catch (err) {
      return refuse('E_INVALID_SIGNED_PEER_RECORD', `invalid signed peer record: ${(err as Error).message}`)
    }
    try {
      const registration = this.registrations.register(
        {
          namespace: register.ns ?? '',
          peer: connection.remotePeer.toString(),
          signedPeerRecord: record,
          ttl: toNumber(register.ttl, 0xffffffff),
        },
        now,
      )
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

  private discover(request: Message, now: number): Message.DiscoverResponse {
    const discover = request.discover ?? {}
    try {
      const { registrations, cookie } = this.registrations.discover(
        discover.ns,
        toNumber(discover.limit, 0xffffffff),
        discover.cookie,
        now,
      )
      return {
        status: Message.ResponseStatus.OK,
        cookie,
        registrations: registrations.map((registration) => ({
          ns: registration.namespace,
          signedPeerRecord: registration.signedPeerRecord,
          ttl: BigInt(Math.max(0, Math.ceil((registration.expires - now) / 1000))),
        })),
      }
    } catch (err) {
      if (!(err instanceof RegistrationRefusedError)) throw err
      return { status: Message.ResponseStatus[err.status], statusText: err.message, registrations: [] }
    }
  }
}

type Status = Exclude<keyof typeof Message.ResponseStatus, 'codec'>

function refuse(status: Status, text: string): Message.RegisterResponse {
  return { status: Message.ResponseStatus[status], statusText: text }
}
