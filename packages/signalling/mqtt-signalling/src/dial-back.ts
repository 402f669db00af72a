/**
 * Serving a dial-back request (the listener's half of reverse connect): dial
 * the addresses the requester gave, those the policy lets through, one after
 * another, each bounded by `timeout`, at most one dial-back per peer and
 * `maxConcurrent` in all. The address carries the requester's peer id, so
 * the upgrader refuses a connection to anyone else. What comes out is an
 * ordinary host connection, outbound here, inbound at the requester.
 */
import type { AbortOptions, Connection, Logger, PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { anySignal } from '@weft/utils'
import { type DialBackPolicy, dialBackAddresses } from './dial-back-policy.js'
import type { DialBackResult } from './messages.js'

export interface DialBackComponents {
  connectionManager: {
    openConnection(target: Multiaddr, options?: AbortOptions & { force?: boolean }): Promise<Connection>
  }
}

export interface DialBackServerOptions {
  policy: DialBackPolicy
  maxConcurrent: number
  timeout: number
  log: Logger
}

export class DialBackServer {
  private readonly running = new Set<string>()

  constructor(
    private readonly components: DialBackComponents,
    private readonly options: DialBackServerOptions,
  ) {}

  get active(): number {
    return this.running.size
  }

  async serve(peer: PeerId, offered: readonly Multiaddr[], signal: AbortSignal): Promise<DialBackResult> {
    const key = peer.toString()
    const addrs = dialBackAddresses(offered, this.options.policy)
    if (addrs.length === 0) {
      return {
        ok: false,
        error: `none of the ${offered.length} addresses offered passes the dial-back policy`,
      }
    }
    if (this.running.has(key)) return { ok: false, error: 'a dial-back to this peer is already running' }
    if (this.running.size >= this.options.maxConcurrent)
      return { ok: false, error: 'too many dial-backs running' }
    this.running.add(key)
    const errors: string[] = []
    try {
      for (const addr of addrs) {
        if (signal.aborted) break
        const attempt = anySignal([signal], this.options.timeout)
        try {
          const target = multiaddr(`${addr.toString()}/p2p/${key}`)
          this.options.log('dialling back %p at %a', peer, target)
          await this.components.connectionManager.openConnection(target, { signal: attempt, force: true })
          return { ok: true, address: addr }
        } catch (err) {
          errors.push(`${addr.toString()}: ${(err as Error).message}`)
          this.options.log('dial-back to %p at %a failed: %s', peer, addr, (err as Error).message)
        } finally {
          attempt.clear()
        }
      }
      return { ok: false, error: errors.length > 0 ? errors.join('; ') : 'stopped' }
    } finally {
      this.running.delete(key)
    }
  }
}
