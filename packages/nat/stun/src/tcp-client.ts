/**
 * STUN over TCP (RFC 8489 §6.2.2): messages back to back on the stream,
 * each framed by its own header's length; one send per transaction (TCP
 * retransmits) and the timeout Ti. Responses are matched by transaction id;
 * a malformed frame ends the connection, since the framing is lost with it.
 */
import { connect, type Socket } from 'node:net'
import type { Logger } from '@libp2p/interface'
import { concatBytes, logger as createLogger, throwIfAborted } from '@weft/utils'
import type { Attribute, TransportAddress } from './attributes.js'
import {
  ClientClosedError,
  ErrorResponseError,
  MalformedMessageError,
  TooManyTransactionsError,
  TransactionTimeoutError,
} from './errors.js'
import {
  decodeMessage,
  encodeMessage,
  findAttribute,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  type Message,
  Method,
  messageLengthFromHeader,
  newTransactionId,
  verifyIntegrity,
} from './message.js'
import { DEFAULT_TCP_TIMEOUT } from './transaction.js'
import { type Endpoint, mappedAddressOf, type Response } from './udp-client.js'

export interface TcpClientInit {
  /** Ti, ms (39 500) */
  timeout?: number
  /** longest message accepted, bytes (65 552, all the length field allows) */
  maxMessageLength?: number
  /** transactions in flight at most (64) */
  maxPendingTransactions?: number
  /** add FINGERPRINT to requests (true) */
  fingerprint?: boolean
  software?: string
  logger?: Logger
  signal?: AbortSignal
}

export interface TcpRequestOptions {
  signal?: AbortSignal
  method?: number
  attributes?: Attribute[]
  integrity?: { key: Uint8Array; algorithm?: 'sha1' | 'sha256' }
  /** overrides the client's Ti for this transaction */
  timeout?: number
}

interface Pending {
  resolve: (response: Response) => void
  reject: (err: Error) => void
  started: number
  key?: Uint8Array
}

function hex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}

export class TcpClient {
  private readonly pending = new Map<string, Pending>()
  private buffered: Uint8Array = new Uint8Array(0)
  private closed = false
  private readonly log: Logger
  private readonly from: TransportAddress

  private constructor(
    readonly socket: Socket,
    private readonly init: TcpClientInit,
  ) {
    this.log = init.logger ?? createLogger('weft:stun')
    this.from = {
      family: socket.remoteFamily === 'IPv6' ? 6 : 4,
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new ClientClosedError('the STUN server closed the connection')))
  }

  /** Connects to `server`; the connection is the client's, closed by `close()`. */
  static async connect(server: Endpoint, init: TcpClientInit = {}): Promise<TcpClient> {
    throwIfAborted(init.signal)
    const socket = connect({ host: server.address, port: server.port })
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        socket.destroy()
        reject(init.signal?.reason)
      }
      const done = (err?: Error): void => {
        init.signal?.removeEventListener('abort', onAbort)
        socket.off('error', done)
        if (err != null) reject(err)
        else resolve()
      }
      init.signal?.addEventListener('abort', onAbort, { once: true })
      socket.once('error', done)
      socket.once('connect', () => done())
    })
    return new TcpClient(socket, init)
  }

  async request(options: TcpRequestOptions = {}): Promise<Response> {
    throwIfAborted(options.signal)
    if (this.closed) throw new ClientClosedError()
    const limit = this.init.maxPendingTransactions ?? 64
    if (this.pending.size >= limit) throw new TooManyTransactionsError(limit)
    const transactionId = newTransactionId()
    const attributes = [...(options.attributes ?? [])]
    if (this.init.software != null) attributes.push({ type: 'software', value: this.init.software })
    const bytes = encodeMessage(
      { method: options.method ?? Method.BINDING, class: 'request', transactionId, attributes },
      { integrity: options.integrity, fingerprint: this.init.fingerprint !== false },
    )
    const id = hex(transactionId)
    const timeout = options.timeout ?? this.init.timeout ?? DEFAULT_TCP_TIMEOUT
    return new Promise<Response>((resolve, reject) => {
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
      const timer = setTimeout(() => {
        finish()
        reject(new TransactionTimeoutError(`${this.from.address}:${this.from.port}`, timeout))
      }, timeout)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        started: Date.now(),
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
      this.socket.write(bytes)
    })
  }

  close(): void {
    this.fail(new ClientClosedError())
    this.socket.destroy()
  }

  private fail(err: Error): void {
    if (this.closed) return
    this.closed = true
    for (const pending of [...this.pending.values()]) pending.reject(err)
    this.pending.clear()
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return
    this.buffered = this.buffered.length === 0 ? chunk : concatBytes([this.buffered, chunk])
    const max = this.init.maxMessageLength ?? MAX_MESSAGE_LENGTH
    try {
      while (this.buffered.length >= 4) {
        const length = messageLengthFromHeader(this.buffered)
        if (length > max)
          throw new MalformedMessageError(`a framed message of ${length} bytes, at most ${max}`)
        if (this.buffered.length < length) break
        const frame = this.buffered.subarray(0, length)
        this.buffered = this.buffered.subarray(length)
        this.onMessage(frame)
      }
    } catch (err) {
      this.log('closing the STUN connection to %s: %e', this.from.address, err)
      this.fail(err as Error)
      this.socket.destroy()
    }
  }

  private onMessage(frame: Uint8Array): void {
    if (frame.length < HEADER_LENGTH) throw new MalformedMessageError('a frame shorter than a STUN header')
    const message: Message = decodeMessage(frame)
    if (message.class !== 'success' && message.class !== 'error') return
    const id = hex(message.transactionId)
    const pending = this.pending.get(id)
    if (pending == null) return
    // an error response without MESSAGE-INTEGRITY (400, 401, …) is taken as it is (RFC 8489 §9.1.3)
    const unsigned =
      message.class === 'error' &&
      findAttribute(message, 'message-integrity') == null &&
      findAttribute(message, 'message-integrity-sha256') == null
    if (pending.key != null && !unsigned) {
      try {
        verifyIntegrity(frame, pending.key)
      } catch (err) {
        pending.reject(err as Error)
        return
      }
    }
    if (message.class === 'error') {
      const error = findAttribute(message, 'error-code')
      pending.reject(new ErrorResponseError(error?.code ?? 0, error?.reason ?? 'no ERROR-CODE'))
      return
    }
    pending.resolve({
      message,
      from: this.from,
      rtt: Date.now() - pending.started,
      mapped: mappedAddressOf(message),
    })
  }
}
