/**
 * Prometheus metrics (prom-client, a registry of the daemon's own):
 * connections by transport and rung, streams by protocol (read from the host
 * at scrape time), bytes in and out of the daemon's connections, dial
 * outcomes, DHT lookups and pubsub deliveries (counted by whoever performs
 * them), HTTP requests, the process's resource use, and the host resource
 * manager's usage, limits and refusals per scope (`weft_resource_*`).
 */
import type { Connection } from '@libp2p/interface'
import type { Host } from '@weft/host'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'

export interface DaemonMetrics {
  registry: Registry
  bytes: Counter<'direction'>
  dials: Counter<'outcome'>
  connectionsOpened: Counter<'transport'>
  dhtLookups: Counter<'kind'>
  pubsubDeliveries: Counter<'topic'>
  httpRequests: Counter<'route' | 'status'>
  /** total bytes (in, out) so far, for the dashboard's chart */
  totals: { in: number; out: number }
}

/** tcp, ws, wss, webrtc, … from the address; relayed connections say so. */
export function transportOf(connection: Pick<Connection, 'remoteAddr'>): string {
  const names = connection.remoteAddr.getComponents().map((component) => component.name)
  if (names.includes('p2p-circuit')) return 'relay'
  for (const name of ['wss', 'ws', 'webrtc-direct', 'webtransport', 'quic-v1', 'tcp', 'unix']) {
    if (names.includes(name)) return name
  }
  return 'other'
}

/** The rung of the connection ladder it stands on: direct, or relayed (limited). */
export function rungOf(connection: Pick<Connection, 'remoteAddr' | 'limits'>): string {
  return connection.limits != null || transportOf(connection) === 'relay' ? 'relayed' : 'direct'
}

export function createMetrics(host: Host): DaemonMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'weft_' })
  const totals = { in: 0, out: 0 }
  const bytes = new Counter({
    name: 'weft_daemon_bytes_total',
    help: 'Bytes carried by the daemon for its clients (named connections, tunnels, control streams)',
    labelNames: ['direction'] as const,
    registers: [registry],
  })
  const dials = new Counter({
    name: 'weft_dials_total',
    help: 'Dials the daemon made, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const connectionsOpened = new Counter({
    name: 'weft_connections_opened_total',
    help: 'Connections opened, by transport',
    labelNames: ['transport'] as const,
    registers: [registry],
  })
  host.addEventListener('connection:open', (evt) =>
    connectionsOpened.inc({ transport: transportOf(evt.detail) }),
  )
  new Gauge({
    name: 'weft_connections',
    help: 'Open connections, by transport and rung',
    labelNames: ['transport', 'rung'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const connection of host.getConnections()) {
        this.inc({ transport: transportOf(connection), rung: rungOf(connection) })
      }
    },
  })
  new Gauge({
    name: 'weft_streams',
    help: 'Open streams, by protocol',
    labelNames: ['protocol'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const connection of host.getConnections()) {
        for (const stream of connection.streams) this.inc({ protocol: stream.protocol ?? 'negotiating' })
      }
    },
  })
  new Gauge({
    name: 'weft_peers',
    help: 'Connected peers',
    registers: [registry],
    collect() {
      this.set(host.getPeers().length)
    },
  })
  resourceGauges(host, registry)
  const dhtLookups = new Counter({
    name: 'weft_dht_lookups_total',
    help: 'DHT lookups made for clients',
    labelNames: ['kind'] as const,
    registers: [registry],
  })
  const pubsubDeliveries = new Counter({
    name: 'weft_pubsub_deliveries_total',
    help: 'Pubsub messages delivered to clients',
    labelNames: ['topic'] as const,
    registers: [registry],
  })
  const httpRequests = new Counter({
    name: 'weft_http_requests_total',
    help: 'REST API requests, by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  })
  return { registry, bytes, dials, connectionsOpened, dhtLookups, pubsubDeliveries, httpRequests, totals }
}

/** The counter function named connections and tunnels report traffic to. */
export function trafficCounter(metrics: DaemonMetrics): (direction: 'in' | 'out', count: number) => void {
  return (direction, count) => {
    metrics.bytes.inc({ direction }, count)
    metrics.totals[direction] += count
  }
}

/**
 * The resource manager's scopes, read at scrape time: usage and (finite)
 * limits for system, transient and each protocol with open streams; peers
 * only as a count, since one series per peer would be unbounded.
 */
function resourceGauges(host: Host, registry: Registry): void {
  const scopes = () => {
    const stat = host.resourceManager.stat()
    return [
      ['system', stat.system],
      ['transient', stat.transient],
      ...Object.entries(stat.protocols).map(([protocol, scope]) => [`protocol:${protocol}`, scope] as const),
    ] as const
  }
  new Gauge({
    name: 'weft_resource_usage',
    help: 'Resources held in each resource-manager scope (memory in bytes)',
    labelNames: ['scope', 'resource'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [scope, { usage }] of scopes())
        for (const [resource, value] of Object.entries(usage)) this.set({ scope, resource }, value)
    },
  })
  new Gauge({
    name: 'weft_resource_limit',
    help: 'Limits of each resource-manager scope (unlimited ones are left out)',
    labelNames: ['scope', 'resource'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [scope, { limits }] of scopes())
        for (const [resource, value] of Object.entries(limits))
          if (Number.isFinite(value)) this.set({ scope, resource }, value)
    },
  })
  new Gauge({
    name: 'weft_resource_refusals',
    help: 'Reservations the resource manager refused since start, by kind of scope and resource',
    labelNames: ['scope', 'resource'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const { scope, resource, count } of host.resourceManager.stat().refusals)
        this.set({ scope, resource }, count)
    },
  })
  new Gauge({
    name: 'weft_resource_peer_scopes',
    help: 'Remote peers holding resources in the resource manager',
    registers: [registry],
    collect() {
      this.set(Object.keys(host.resourceManager.stat().peers).length)
    },
  })
}
