/**
 * The client's link to its TURN server, over UDP or TCP: requests as
 * transactions (RFC 8489 §6.2: retransmitted with RTO doubling over UDP, one
 * send and the timeout Ti over TCP), responses matched by transaction id,
 * indications and ChannelData handed up. Anything else is ignored: datagrams
 * from another source, unknown transaction ids, responses whose
 * MESSAGE-INTEGRITY fails (a forgery must not end a real transaction). Over
 * TCP a broken frame ends the link, since the stream's framing is lost.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, type Socket as TcpSocket } from 'node:net'
import type { Logger } from '@libp2p/interface'
import {
  type Attribute,
  DEFAULT_TCP_TIMEOUT,
  decodeMessage,
  type Endpoint,
  encodeMessage,
  findAttribute,
  isStunMessage,
  type Message,
  newTransactionId,
  type RetransmissionInit,
  retransmissionSchedule,
  TransactionTimeoutError,
  verifyIntegrity,
} from '@weft/stun'
import { throwIfAborted } from '@weft/utils'
import { TurnClosedError, TurnLimitError } from './errors.js'
import { type ChannelData, decodeChannelData, isChannelData, StreamFramer } from './framing.js'

export interface LinkInit extends RetransmissionInit {
  server: Endpoint
  transport: 'udp' | 'tcp'
  /** Ti over TCP, ms (39 500) */
  timeout?: number
  /** transactions in flight at most (32) */
  maxPendingTransactions?: number
  log: Logger
  signal?: AbortSignal
}

export interface LinkHandlers {
  onIndication(message: Message): void
  onChannelData(frame: ChannelData): void
  /** the link ended (the server closed TCP, a broken frame, or `close()`) */
  onClose(err?: Error): void
}

interface Pending {
  resolve: (message: Message) => void
  reject: (err: Error) => void
  key?: Uint8Array
}

const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex')

export class Link {
  private readonly pending = new Map<string, Pending>()
  private readonly framer = new StreamFramer()
  private closed = false

  private constructor(
    private readonly init: LinkInit,
    private readonly handlers: LinkHandlers,
    private readonly udp?: UdpSocket,
    private readonly tcp?: TcpSocket,
  ) {
    udp?.on('message', (data, rinfo) => {
      if (rinfo.port !== init.server.port || rinfo.address !== init.server.address) return
      this.onFrame(data)
    })
    udp?.on('error', (err) => init.log.trace('udp socket error: %e', err))
    tcp?.on('data', (chunk: Buffer) => {
      if (this.closed) return
      let frames: Uint8Array[]
      try {
        frames = this.framer.push(chunk)
      } catch (err) {
        this.end(err as Error)
        return
      }
      for (const frame of frames) this.onFrame(frame)
    })
    tcp?.on('error', (err) => this.end(err))
    tcp?.on('close', () => this.end(new TurnClosedError('the TURN server closed the connection')))
  }

  static async open(init: LinkInit, handlers: LinkHandlers): Promise<Link> {
    throwIfAborted(init.signal)
    if (init.transport === 'udp') {
      const socket = createSocket(init.server.address.includes(':') ? 'udp6' : 'udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(0, () => {
          socket.off('error', reject)
          resolve()
        })
      })
      return new Link(init, handlers, socket, undefined)
    }
    return new Link(init, handlers, undefined, await connectTcp(init.server, init.signal))
  }

  /** The link's local endpoint. */
  get local(): Endpoint {
    if (this.udp != null) return this.udp.address()
    return { address: this.tcp?.localAddress ?? '', port: this.tcp?.localPort ?? 0 }
  }

  /**
   * Runs one transaction; resolves with the success or error response.
   * `attributes` gets the transaction id (XOR attributes depend on it);
   * `key` signs the request and must verify the response.
   */
  async transact(
    method: number,
    attributes: (transactionId: Uint8Array) => Attribute[],
    key?: Uint8Array,
    signal?: AbortSignal,
  ): Promise<Message> {
    throwIfAborted(signal)
    if (this.closed) throw new TurnClosedError()
    const limit = this.init.maxPendingTransactions ?? 32
    if (this.pending.size >= limit) throw new TurnLimitError(`already ${limit} TURN transactions in flight`)
    const transactionId = newTransactionId()
    const bytes = encodeMessage(
      { method, class: 'request', transactionId, attributes: attributes(transactionId) },
      { integrity: key == null ? undefined : { key }, fingerprint: true },
    )
    const id = hex(transactionId)
    const schedule =
      this.udp != null
        ? retransmissionSchedule(this.init)
        : { sendAt: [0], deadline: this.init.timeout ?? DEFAULT_TCP_TIMEOUT }
    return new Promise<Message>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let sent = 0
      const started = Date.now()
      const finish = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.pending.delete(id)
      }
      const onAbort = (): void => {
        finish()
        reject(signal?.reason)
      }
      const send = (): void => {
        this.write(bytes)
        sent++
        const next = sent < schedule.sendAt.length ? schedule.sendAt[sent]! : schedule.deadline
        timer = setTimeout(
          () => {
            if (sent < schedule.sendAt.length) return send()
            finish()
            const server = `${this.init.server.address}:${this.init.server.port}`
            reject(new TransactionTimeoutError(server, schedule.deadline))
          },
          next - (Date.now() - started),
        )
      }
      this.pending.set(id, {
        key,
        resolve: (message) => {
          finish()
          resolve(message)
        },
        reject: (err) => {
          finish()
          reject(err)
        },
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      send()
    })
  }

  /** Sends an indication (no response, no integrity: RFC 8656 §11). */
  indicate(method: number, attributes: (transactionId: Uint8Array) => Attribute[]): void {
    if (this.closed) throw new TurnClosedError()
    const transactionId = newTransactionId()
    this.write(
      encodeMessage({
        method,
        class: 'indication',
        transactionId,
        attributes: attributes(transactionId),
      }),
    )
  }

  /** Sends bytes as they are (ChannelData); false when the link is closed. */
  write(bytes: Uint8Array): boolean {
    if (this.closed) return false
    if (this.udp != null) {
      const { port, address } = this.init.server
      this.udp.send(bytes, port, address, (err) => {
        if (err != null) this.init.log.trace('send to the TURN server failed: %e', err)
      })
    } else {
      this.tcp?.write(bytes)
    }
    return true
  }

  close(): void {
    this.end()
  }

  private end(err?: Error): void {
    if (this.closed) return
    this.closed = true
    const reason = err ?? new TurnClosedError()
    for (const pending of [...this.pending.values()]) pending.reject(reason)
    this.pending.clear()
    this.udp?.close()
    this.tcp?.destroy()
    this.handlers.onClose(err)
  }

  private onFrame(bytes: Uint8Array): void {
    if (isChannelData(bytes)) {
      try {
        this.handlers.onChannelData(decodeChannelData(bytes))
      } catch (err) {
        this.init.log.trace('ignored bad ChannelData: %e', err)
      }
      return
    }
    if (!isStunMessage(bytes)) return
    let message: Message
    try {
      message = decodeMessage(bytes)
    } catch (err) {
      this.init.log.trace('ignored a malformed STUN message: %e', err)
      return
    }
    if (message.class === 'indication') {
      this.handlers.onIndication(message)
      return
    }
    if (message.class === 'request') return
    const pending = this.pending.get(hex(message.transactionId))
    if (pending == null) {
      this.init.log.trace('ignored a response with an unknown transaction id')
      return
    }
    if (pending.key != null && !acceptable(bytes, message, pending.key)) {
      this.init.log.trace('ignored a response failing MESSAGE-INTEGRITY')
      return
    }
    pending.resolve(message)
  }
}

/** Whether a response to a signed request may be believed (RFC 8489 §9.2.4, RFC 8656 §9). */
function acceptable(bytes: Uint8Array, message: Message, key: Uint8Array): boolean {
  const signed = findAttribute(message, 'message-integrity') != null
  // 400, 401 and 438 come unsigned: the server cannot sign with a key it rejects
  if (!signed) return message.class === 'error'
  try {
    verifyIntegrity(bytes, key)
    return true
  } catch {
    return false
  }
}

/** A TCP connection to `server`, honouring `signal`. */
export async function connectTcp(server: Endpoint, signal?: AbortSignal): Promise<TcpSocket> {
  throwIfAborted(signal)
  const socket = connect({ host: server.address, port: server.port, noDelay: true })
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      signal?.removeEventListener('abort', onAbort)
      socket.off('error', done)
      socket.off('connect', onConnect)
      if (err == null) {
        resolve()
        return
      }
      socket.destroy()
      reject(err)
    }
    const onAbort = (): void => done(signal?.reason as Error)
    const onConnect = (): void => done()
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('error', done)
    socket.once('connect', onConnect)
  })
  return socket
}
