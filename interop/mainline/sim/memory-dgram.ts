/**
 * A node:dgram-shaped socket over weft's `MemoryNetwork`, so bittorrent-dht
 * (through k-rpc-socket, which takes any socket with `send`, `bind`,
 * `address`, `close` and the `message`/`listening`/`close` events) runs in
 * the same memory network as weft, thousands of nodes in one process.
 */
import { EventEmitter } from 'node:events'
import type { MemoryNetwork, UdpSocket } from '@weft/mainline-dht'

export class MemoryDgram extends EventEmitter {
  /** Datagrams this socket sent, for counting a lookup's messages. */
  sent = 0
  onSend?: (bytes: Uint8Array, to: { host: string; port: number }) => void
  private readonly socket: UdpSocket

  constructor(network: MemoryNetwork) {
    super()
    this.socket = network.socket()
    this.socket.onMessage((bytes, from) => {
      this.emit('message', Buffer.from(bytes), {
        address: from.host,
        port: from.port,
        family: 'IPv4',
        size: bytes.length,
      })
    })
  }

  get host(): string {
    return this.socket.addresses()[0]?.host ?? ''
  }

  bind(..._args: unknown[]): void {
    const callback = _args.find((arg) => typeof arg === 'function') as (() => void) | undefined
    setImmediate(() => {
      this.emit('listening')
      callback?.()
    })
  }

  address(): { address: string; port: number; family: string } {
    const address = this.socket.addresses()[0]
    return { address: address?.host ?? '', port: address?.port ?? 0, family: 'IPv4' }
  }

  send(
    buffer: Uint8Array,
    offset: number,
    length: number,
    port: number,
    host: string,
    callback?: () => void,
  ): void {
    const bytes = buffer.subarray(offset, offset + length)
    this.sent++
    this.onSend?.(bytes, { host, port })
    this.socket.send(bytes, { host, port })
    if (callback !== undefined) setImmediate(callback)
  }

  close(callback?: () => void): void {
    void this.socket.close().then(() => {
      this.emit('close')
      callback?.()
    })
  }

  // node:dgram methods k-rpc-socket or bittorrent-dht may call
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
}
