/**
 * A memory UDP network: thousands of DHT nodes in one process, each with its
 * own address, datagrams delivered on a later turn of the event loop (with
 * optional loss and latency). Bounded: a socket's undelivered queue is capped
 * and excess datagrams are dropped, as a real socket buffer would.
 *
 * ```ts
 * const network = new MemoryNetwork()
 * const a = mainlineDHT({ socket: network.socket() })
 * ```
 */
import { type Address, addressKey, familyOf } from './address.js'
import type { UdpSocket } from './udp.js'

export interface MemoryNetworkInit {
  /** Probability a datagram is lost (default 0). */
  loss?: number
  /** Delivery delay, ms (default 0: the next event-loop turn). */
  latency?: number
  /** Datagrams queued to one socket at most (default 1 024). */
  maxQueued?: number
  random?: () => number
}

interface Endpoint {
  receiver: (bytes: Uint8Array, from: Address) => void
  queued: number
}

export class MemoryNetwork {
  readonly stats = { sent: 0, delivered: 0, lost: 0, unreachable: 0, overflowed: 0 }
  private readonly endpoints = new Map<string, Endpoint>()
  private nextHost = 0
  private readonly loss: number
  private readonly latency: number
  private readonly maxQueued: number
  private readonly random: () => number

  constructor(init: MemoryNetworkInit = {}) {
    this.loss = init.loss ?? 0
    this.latency = init.latency ?? 0
    this.maxQueued = init.maxQueued ?? 1024
    this.random = init.random ?? Math.random
  }

  /** Addresses bound. */
  get size(): number {
    return this.endpoints.size
  }

  /**
   * A socket at `host:port`; by default a fresh public-looking IPv4 address
   * (from 11.0.0.1 upward) with port 6881. Several hosts (one IPv4, one
   * IPv6) make a dual-stack socket: each datagram leaves from the address of
   * its destination's family.
   */
  socket(hosts: string | readonly string[] = this.allocateHost(), port = 6881): UdpSocket {
    const addresses = (typeof hosts === 'string' ? [hosts] : hosts).map((host) => ({ host, port }))
    const keys = addresses.map(addressKey)
    for (const key of keys) if (this.endpoints.has(key)) throw new Error(`address ${key} is in use`)
    const endpoint: Endpoint = { receiver: () => {}, queued: 0 }
    for (const key of keys) this.endpoints.set(key, endpoint)
    const from = (to: Address): Address =>
      addresses.find((address) => familyOf(address.host) === familyOf(to.host)) ?? (addresses[0] as Address)
    return {
      send: (bytes, to) => this.deliver(bytes, from(to), to),
      onMessage: (handler) => {
        endpoint.receiver = handler
      },
      addresses: () => addresses.map((address) => ({ ...address })),
      close: async () => {
        for (const key of keys) if (this.endpoints.get(key) === endpoint) this.endpoints.delete(key)
      },
    }
  }

  /** Sends raw bytes as if from `from` (tests forge datagrams with it). */
  inject(bytes: Uint8Array, from: Address, to: Address): void {
    this.deliver(bytes, from, to)
  }

  private allocateHost(): string {
    const n = ++this.nextHost
    return `11.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`
  }

  private deliver(bytes: Uint8Array, from: Address, to: Address): void {
    this.stats.sent++
    if (this.loss > 0 && this.random() < this.loss) {
      this.stats.lost++
      return
    }
    const target = this.endpoints.get(addressKey(to))
    if (target === undefined) {
      this.stats.unreachable++
      return
    }
    if (target.queued >= this.maxQueued) {
      this.stats.overflowed++
      return
    }
    target.queued++
    const copy = bytes.slice()
    const sender = { host: from.host, port: from.port }
    const run = (): void => {
      target.queued--
      // closed in the meantime: the datagram is lost
      if (this.endpoints.get(addressKey(to)) !== target) return
      this.stats.delivered++
      target.receiver(copy, sender)
    }
    if (this.latency > 0) setTimeout(run, this.latency)
    else setImmediate(run)
  }
}
