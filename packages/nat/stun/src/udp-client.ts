/**
 * STUN over UDP on a socket the caller may already own (RFC 8489 §6.2.1):
 * transactions retransmitted on the RTO-doubling schedule, responses matched
 * by transaction id (unknown ids are ignored), bounded in number.
 *
 * Sharing a socket: by default the client adds a `'message'` listener and
 * looks only at datagrams that `isStunMessage` accepts; the host's own
 * listener skips those. With `listen: false` nothing is added and the owner
 * hands STUN datagrams to `receive()`.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { Logger } from '@libp2p/interface'
import { logger as createLogger, throwIfAborted } from '@weft/utils'
import type { Attribute, TransportAddress } from './attributes.js'
import {
  ClientClosedError,
  ErrorResponseError,
  TooManyTransactionsError,
  TransactionTimeoutError,
} from './errors.js'
import {
  decodeMessage,
  encodeMessage,
  findAttribute,
  isStunMessage,
  type Message,
  Method,
  newTransactionId,
  verifyIntegrity,
} from './message.js'
import { type RetransmissionInit, retransmissionSchedule } from './transaction.js'

export interface Endpoint {
  address: string
  port: number
}

export interface UdpClientInit extends RetransmissionInit {
  socket: Socket
  /** add a `'message'` listener to `socket` (true); false: call `receive()` yourself */
  listen?: boolean
  /** close the socket on `close()` (false: it is the caller's) */
  ownsSocket?: boolean
  /** transactions in flight at most (64) */
  maxPendingTransactions?: number
  /** add FINGERPRINT to requests (true) */
  fingerprint?: boolean
  /** SOFTWARE sent with each request (none) */
  software?: string
  logger?: Logger
}

export interface RequestOptions extends RetransmissionInit {
  signal?: AbortSignal
  /** the method (Binding) */
  method?: number
  /** attributes to send (CHANGE-REQUEST, RESPONSE-PORT, PADDING, USERNAME, …) */
  attributes?: Attribute[]
  /** short-term credentials: sign the request and require a valid MESSAGE-INTEGRITY on the response */
  integrity?: { key: Uint8Array; algorithm?: 'sha1' | 'sha256' }
}

export interface Response {
  message: Message
  /** where the response came from (differs from the server when CHANGE-REQUEST was honoured) */
  from: TransportAddress
  /** ms from the first send to the response */
  rtt: number
  /** XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
  mapped?: TransportAddress
}

interface Pending {
  resolve: (response: Response) => void
  reject: (err: Error) => void
  started: number
  key?: Uint8Array
}

function family(value: string | number): 4 | 6 {
  return value === 'IPv6' || value === 6 ? 6 : 4
}

function hex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}

/** The mapped address a Binding response carries: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS. */
export function mappedAddressOf(message: Message): TransportAddress | undefined {
  return (
    findAttribute(message, 'xor-mapped-address')?.value ?? findAttribute(message, 'mapped-address')?.value
  )
}

export class UdpClient {
  readonly socket: Socket
  private readonly pending = new Map<string, Pending>()
  private readonly watchers = new Map<string, (message: Message, from: TransportAddress) => void>()
  private readonly init: UdpClientInit
  private readonly log: Logger
  private readonly onMessage = (data: Buffer, rinfo: RemoteInfo): void => {
    this.receive(data, rinfo)
  }
  private readonly closers = new Set<() => void>()
  private closed = false

  constructor(init: UdpClientInit) {
    this.init = init
    this.socket = init.socket
    this.log = init.logger ?? createLogger('weft:stun')
    retransmissionSchedule(init) // validates the defaults early
    if (init.listen !== false) this.socket.on('message', this.onMessage)
  }

  /**
   * Offers one datagram to the client; true when it was a STUN message (the
   * host should not treat it as its own), whether or not it matched.
   */
  receive(data: Uint8Array, rinfo: { address: string; port: number; family: string | number }): boolean {
    if (!isStunMessage(data)) return false
    let message: Message
    try {
      message = decodeMessage(data)
    } catch (err) {
      this.log.trace('ignored a malformed STUN datagram from %s:%d: %e', rinfo.address, rinfo.port, err)
      return true
    }
    const id = hex(message.transactionId)
    const from: TransportAddress = { family: family(rinfo.family), address: rinfo.address, port: rinfo.port }
    this.watchers.get(id)?.(message, from)
    if (message.class !== 'success' && message.class !== 'error') return true
    const pending = this.pending.get(id)
    if (pending == null) {
      this.log.trace('ignored a response with unknown transaction id %s', id)
      return true
    }
    // an error response without MESSAGE-INTEGRITY (400, 401, …) is taken as it is (RFC 8489 §9.1.3)
    const unsigned =
      message.class === 'error' &&
      findAttribute(message, 'message-integrity') == null &&
      findAttribute(message, 'message-integrity-sha256') == null
    if (pending.key != null && !unsigned) {
      try {
        verifyIntegrity(data, pending.key)
      } catch (err) {
        // a forged or corrupted answer: keep waiting for the real one (RFC 8489 §9.1.3)
        this.log.trace('ignored a response failing MESSAGE-INTEGRITY: %e', err)
        return true
      }
    }
    this.pending.delete(id)
    if (message.class === 'error') {
      const error = findAttribute(message, 'error-code')
      pending.reject(new ErrorResponseError(error?.code ?? 0, error?.reason ?? 'no ERROR-CODE'))
    } else {
      pending.resolve({ message, from, rtt: Date.now() - pending.started, mapped: mappedAddressOf(message) })
    }
    return true
  }

  /** Runs one transaction against `server`. */
  async request(server: Endpoint, options: RequestOptions = {}): Promise<Response> {
    throwIfAborted(options.signal)
    if (this.closed) throw new ClientClosedError()
    const limit = this.init.maxPendingTransactions ?? 64
    if (this.pending.size >= limit) throw new TooManyTransactionsError(limit)
    const schedule = retransmissionSchedule({
      rto: options.rto ?? this.init.rto,
      maxRequests: options.maxRequests ?? this.init.maxRequests,
      lastWaitMultiplier: options.lastWaitMultiplier ?? this.init.lastWaitMultiplier,
    })
    const transactionId = newTransactionId()
    const attributes = [...(options.attributes ?? [])]
    if (this.init.software != null) attributes.push({ type: 'software', value: this.init.software })
    const bytes = encodeMessage(
      { method: options.method ?? Method.BINDING, class: 'request', transactionId, attributes },
      { integrity: options.integrity, fingerprint: this.init.fingerprint !== false },
    )
    const id = hex(transactionId)
    return new Promise<Response>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let sent = 0
      const started = Date.now()
      const finish = (): void => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        this.pending.delete(id)
      }
      const onAbort = (): void => {
        finish()
        const reason: unknown = options.signal?.reason
        reject(reason instanceof Error ? reason : new Error(String(reason)))
      }
      const send = (): void => {
        try {
          this.socket.send(bytes, server.port, server.address, (err) => {
            if (err != null) this.log.trace('send to %s:%d failed: %e', server.address, server.port, err)
          })
        } catch (err) {
          // the socket's owner closed it under us
          finish()
          reject(err as Error)
          return
        }
        sent++
        const next = sent < schedule.sendAt.length ? schedule.sendAt[sent]! : schedule.deadline
        timer = setTimeout(
          () => {
            if (sent < schedule.sendAt.length) return send()
            finish()
            reject(new TransactionTimeoutError(`${server.address}:${server.port}`, schedule.deadline))
          },
          next - (Date.now() - started),
        )
      }
      this.pending.set(id, {
        started,
        key: options.integrity?.key,
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
      send()
    })
  }

  /**
   * Waits up to `timeout` ms for any STUN message carrying `transactionId`
   * to arrive on this socket, whoever sent it; null on timeout. Lets a test
   * see a request come back to its sender (hairpinning) or a response that
   * another socket asked to be sent here (RESPONSE-PORT).
   */
  async waitFor(
    transactionId: Uint8Array,
    timeout: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ message: Message; from: TransportAddress } | null> {
    throwIfAborted(options.signal)
    if (this.closed) throw new ClientClosedError()
    const limit = this.init.maxPendingTransactions ?? 64
    if (this.watchers.size >= limit) throw new TooManyTransactionsError(limit)
    const id = hex(transactionId)
    return new Promise((resolve, reject) => {
      const done = (value: { message: Message; from: TransportAddress } | null, err?: Error): void => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        this.watchers.delete(id)
        this.closers.delete(onClose)
        if (err != null) reject(err)
        else resolve(value)
      }
      const onAbort = (): void => {
        const reason: unknown = options.signal?.reason
        done(null, reason instanceof Error ? reason : new Error(String(reason)))
      }
      const onClose = (): void => done(null, new ClientClosedError())
      const timer = setTimeout(() => done(null), timeout)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.watchers.set(id, (message, from) => done({ message, from }))
      this.closers.add(onClose)
    })
  }

  /** Sends one Binding request once (no transaction, no retransmission); returns its transaction id. */
  sendRequest(
    target: Endpoint,
    attributes: Attribute[] = [],
    transactionId = newTransactionId(),
  ): Uint8Array {
    if (this.closed) throw new ClientClosedError()
    const bytes = encodeMessage(
      { method: Method.BINDING, class: 'request', transactionId, attributes },
      { fingerprint: this.init.fingerprint !== false },
    )
    this.socket.send(bytes, target.port, target.address, (err) => {
      if (err != null) this.log.trace('send to %s:%d failed: %e', target.address, target.port, err)
    })
    return transactionId
  }

  /** Fails every transaction in flight, detaches from the socket, and closes it if it is ours. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.socket.off('message', this.onMessage)
    for (const pending of [...this.pending.values()]) pending.reject(new ClientClosedError())
    this.pending.clear()
    for (const close of [...this.closers]) close()
    this.closers.clear()
    if (this.init.ownsSocket === true) this.socket.close()
  }
}

export interface OpenUdpClientOptions extends Omit<UdpClientInit, 'socket' | 'ownsSocket'> {
  /** 4 (default) or 6 */
  family?: 4 | 6
  /** local address to bind (all) */
  address?: string
  /** local port (0: any) */
  port?: number
  signal?: AbortSignal
}

/** A client on a fresh socket of its own, bound and closed with the client. */
export async function openUdpClient(options: OpenUdpClientOptions = {}): Promise<UdpClient> {
  throwIfAborted(options.signal)
  const socket = createSocket(options.family === 6 ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port ?? 0, options.address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  // errors after bind (ICMP unreachable on some platforms) must not crash the process
  socket.on('error', () => {})
  return new UdpClient({ ...options, socket, ownsSocket: true })
}
