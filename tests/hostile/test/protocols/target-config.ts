/**
 * What the protocol-level hostile tests may set on the host under attack
 * (JSON, passed to the child process): each service's init object and the
 * connection manager's options.
 */
export interface TargetConfig {
  services?: {
    identify?: Record<string, unknown>
    ping?: Record<string, unknown>
    perf?: Record<string, unknown>
    dht?: Record<string, unknown>
    gossipsub?: Record<string, unknown>
    relay?: Record<string, unknown>
    relayTransport?: Record<string, unknown>
    autonat?: Record<string, unknown>
    dcutr?: Record<string, unknown>
    rendezvous?: Record<string, unknown>
  }
  connectionManager?: Record<string, unknown>
}

/** One JSON line of the host under attack. */
export type TargetEvent =
  | { event: 'ready'; peerId: string; addrs: string[] }
  | { event: 'dial'; address: string }
  | {
      event: 'memory'
      id: number
      rss: number
      heapUsed: number
      arrayBuffers: number
      external: number
      /** gossipsub messages delivered to the target's own subscription */
      delivered: number
    }
  | { event: 'uncaughtException' | 'unhandledRejection'; name: string; message: string; stack?: string }
