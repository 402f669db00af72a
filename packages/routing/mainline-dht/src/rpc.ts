/**
 * KRPC over a `UdpSocket`: outgoing queries tagged with transaction ids in a
 * bounded in-flight table, resent on timeout, answered only by the address
 * they were sent to; incoming queries rate-limited per host, passed through
 * the hooks, then to the handler the DHT sets.
 */
import type { Logger } from '@libp2p/interface'
import { type Address, addressKey, encodeAddress } from './address.js'
import { type Bencodable, type BencodeDict, type DecodeLimits, encode } from './bencode.js'
import { DHTLimitError, DHTStoppedError, ErrorCode, KrpcError, TimeoutError } from './errors.js'
import { MalformedQueryError, parseMessage, type Query, type Response } from './message.js'
import { RateLimiter, type RateLimiterInit } from './rate-limiter.js'
import type { UdpSocket } from './udp.js'

/**
 * Seen on every incoming query and every accepted response, before the DHT
 * acts on it. Return the message (changed or not) or undefined to let it
 * through, null to drop it.
 */
export interface Hooks {
  query?(query: Query, from: Address): Query | null | undefined
  response?(response: Response, from: Address): Response | null | undefined
}

export interface RpcInit {
  /** Per attempt (default 2 000 ms). */
  timeout?: number
  /** Resends after the first attempt times out (default 1). */
  retries?: number
  /** Queries awaiting an answer at once (default 512). */
  maxInFlight?: number
  /** Incoming query limits per host. */
  rateLimit?: RateLimiterInit
  decodeLimits?: DecodeLimits
  /** BEP43: mark every query `ro: 1` and ignore incoming queries. */
  readOnly?: boolean
  /** Client version `v` (4 bytes by convention). */
  version?: Uint8Array
}

export interface QueryOptions {
  signal?: AbortSignal
  timeout?: number
  retries?: number
}

interface Pending {
  readonly to: string
  readonly resolve: (response: Response) => void
  readonly reject: (err: Error) => void
}

export interface RpcCounters {
  sent: number
  received: number
  /** Responses from an address that was not asked, or for no query in flight. */
  unsolicited: number
  rateLimited: number
  malformed: number
  dropped: number
}

export class Rpc {
  readonly counters: RpcCounters = {
    sent: 0,
    received: 0,
    unsolicited: 0,
    rateLimited: 0,
    malformed: 0,
    dropped: 0,
  }
  private readonly inFlight = new Map<number, Pending>()
  private nextTransaction = Math.floor(Math.random() * 0x10000)
  private readonly limiter: RateLimiter
  private readonly timeout: number
  private readonly retries: number
  private readonly maxInFlight: number
  private readonly readOnly: boolean
  private closed = false
  queryHandler: (query: Query, from: Address) => void = () => {}
  responseObserver: (response: Response, from: Address) => void = () => {}

  constructor(
    readonly socket: UdpSocket,
    private readonly init: RpcInit,
    private readonly hooks: Hooks,
    private readonly log: Logger,
  ) {
    this.limiter = new RateLimiter(init.rateLimit)
    this.timeout = init.timeout ?? 2000
    this.retries = init.retries ?? 1
    this.maxInFlight = init.maxInFlight ?? 512
    this.readOnly = init.readOnly ?? false
    socket.onMessage((bytes, from) => this.receive(bytes, from))
  }

  get pending(): number {
    return this.inFlight.size
  }

  get trackedHosts(): number {
    return this.limiter.size
  }

  /** Sends `method` with `args` (the DHT adds `id`) and waits for the answer or a KRPC error. */
  async query(
    to: Address,
    method: string,
    args: Record<string, Bencodable | undefined>,
    options: QueryOptions = {},
  ): Promise<Response> {
    if (this.closed) throw new DHTStoppedError()
    options.signal?.throwIfAborted()
    if (this.inFlight.size >= this.maxInFlight)
      throw new DHTLimitError(`${this.maxInFlight} queries already in flight`)
    const transaction = this.allocateTransaction()
    const t = Uint8Array.of(transaction >> 8, transaction & 0xff)
    const bytes = encode({
      t,
      y: 'q',
      q: method,
      a: args,
      ro: this.readOnly ? 1 : undefined,
      v: this.init.version,
    })
    const timeout = options.timeout ?? this.timeout
    let attemptsLeft = (options.retries ?? this.retries) + 1
    return new Promise<Response>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const finish = (): void => {
        clearTimeout(timer)
        this.inFlight.delete(transaction)
        options.signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        finish()
        reject(options.signal?.reason)
      }
      const attempt = (): void => {
        if (attemptsLeft-- === 0) {
          finish()
          reject(new TimeoutError(`no answer to ${method} from ${addressKey(to)}`))
          return
        }
        this.counters.sent++
        this.socket.send(bytes, to)
        timer = setTimeout(attempt, timeout)
      }
      this.inFlight.set(transaction, {
        to: addressKey(to),
        resolve: (response) => {
          finish()
          resolve(response)
        },
        reject: (err) => {
          finish()
          reject(err)
        },
      })
      options.signal?.addEventListener('abort', onAbort, { once: true })
      attempt()
    })
  }

  respond(to: Address, query: Query, values: BencodeDict | Record<string, Bencodable | undefined>): void {
    if (this.closed) return
    this.socket.send(
      encode({ t: query.transactionId, y: 'r', r: values, ip: encodeAddress(to), v: this.init.version }),
      to,
    )
  }

  respondError(to: Address, transactionId: Uint8Array, code: number, message: string): void {
    if (this.closed) return
    this.socket.send(encode({ t: transactionId, y: 'e', e: [code, message], v: this.init.version }), to)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const pending of [...this.inFlight.values()]) pending.reject(new DHTStoppedError())
    this.inFlight.clear()
    await this.socket.close()
  }

  private allocateTransaction(): number {
    // the table is at most maxInFlight (< 65 536) entries, so a free id is found
    do this.nextTransaction = (this.nextTransaction + 1) & 0xffff
    while (this.inFlight.has(this.nextTransaction))
    return this.nextTransaction
  }

  private receive(bytes: Uint8Array, from: Address): void {
    if (this.closed) return
    this.counters.received++
    let message: ReturnType<typeof parseMessage>
    try {
      message = parseMessage(bytes, this.init.decodeLimits)
    } catch (err) {
      this.counters.malformed++
      if (err instanceof MalformedQueryError && !this.readOnly && this.limiter.allow(from.host)) {
        this.respondError(from, err.transactionId, ErrorCode.protocol, err.message)
      }
      this.log.trace('malformed datagram from %s: %s', addressKey(from), (err as Error).message)
      return
    }
    if (message.type === 'query') {
      if (this.readOnly) return
      if (!this.limiter.allow(from.host)) {
        this.counters.rateLimited++
        return
      }
      const query = this.hooks.query === undefined ? message : this.hooks.query(message, from)
      if (query === null) {
        this.counters.dropped++
        return
      }
      this.queryHandler(query ?? message, from)
      return
    }
    const transaction =
      message.transactionId.length === 2
        ? ((message.transactionId[0] as number) << 8) | (message.transactionId[1] as number)
        : -1
    const pending = this.inFlight.get(transaction)
    if (pending === undefined || pending.to !== addressKey(from)) {
      this.counters.unsolicited++
      return
    }
    if (message.type === 'error') {
      pending.reject(new KrpcError(message.code, message.message))
      return
    }
    const response = this.hooks.response === undefined ? message : this.hooks.response(message, from)
    if (response === null) {
      this.counters.dropped++
      return // the query times out or is answered again
    }
    this.responseObserver(response ?? message, from)
    pending.resolve(response ?? message)
  }
}
