/**
 * What the protocol-level hostile tests may set on the host under attack
 * (JSON, passed to the child process): each service's init object, the
 * connection manager's options and other host options.
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
  /** other `createHost` options, e.g. `resources` or `inboundUpgradeTimeout` */
  host?: Record<string, unknown>
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
  | {
      event: 'usage'
      id: number
      /** read without a GC: what the process holds at that moment */
      rss: number
      heapUsed: number
      /** connections open, and streams open on them all */
      connections: number
      streams: number
      /** circuit relay reservations held */
      reservations: number
    }
  | { event: 'uncaughtException' | 'unhandledRejection'; name: string; message: string; stack?: string }
