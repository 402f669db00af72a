/**
 * `startDaemon()`: a weft host plus the REST API on 127.0.0.1 and, when
 * asked, the libp2p daemon protocol on a unix socket. `stop()` closes every
 * server, connection and timer it opened.
 */
import type { AddressInfo } from 'node:net'
import type { PrivateKey } from '@libp2p/interface'
import { logger } from '@weft/utils'
import { type ControlServer, startControlServer } from '../control/control-server.js'
import { createNode, type WeftNode } from '../node.js'
import { createApiServer } from './api-server.js'
import { ConnectionTable } from './connection-table.js'
import { createFront } from './http-front.js'
import { createMetrics, type DaemonMetrics, rungOf, trafficCounter, transportOf } from './metrics.js'

const log = logger('weft:daemon')
const HISTORY = 120

export interface DaemonInit {
  privateKey: PrivateKey
  token: string
  /** p2p listen multiaddrs */
  listen: string[]
  /** REST API address (127.0.0.1) and port (12333; 0 picks one) */
  apiHost?: string
  apiPort?: number
  /** the libp2p daemon protocol's unix socket, if any */
  unixSocket?: string
  maxBody?: number
  maxApiConnections?: number
  maxNamedConnections?: number
}

export interface Daemon {
  node: WeftNode
  metrics: DaemonMetrics
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  unixSocket?: string
  stop(): Promise<void>
}

export async function startDaemon(init: DaemonInit): Promise<Daemon> {
  const node = await createNode({ privateKey: init.privateKey, listen: init.listen })
  const metrics = createMetrics(node)
  const count = trafficCounter(metrics)
  const table = new ConnectionTable({
    host: node,
    count,
    maxConnections: init.maxNamedConnections ?? 256,
    onDial: (outcome) => metrics.dials.inc({ outcome }),
  })
  await table.start()
  const history: Array<{ t: number; in: number; out: number }> = []
  const sample = (): void => {
    history.push({ t: Date.now(), in: metrics.totals.in, out: metrics.totals.out })
    if (history.length > HISTORY) history.shift()
  }
  sample()
  const sampler = setInterval(sample, 1000)
  sampler.unref()
  let port = 0
  const api = createApiServer({
    context: { host: node, table, subs: new Map() },
    metrics,
    token: init.token,
    port: () => port,
    maxBody: init.maxBody ?? 16 * 1024 * 1024,
    peers: () => ({
      peerId: node.peerId.toString(),
      addrs: node.getMultiaddrs().map(String),
      peers: node.getPeers().map((peer) => ({
        peerId: peer.toString(),
        connections: node.getConnections(peer).map((connection) => ({
          remoteAddr: connection.remoteAddr.toString(),
          direction: connection.direction,
          transport: transportOf(connection),
          rung: rungOf(connection),
          streams: connection.streams.length,
        })),
      })),
      named: table
        .list()
        .map((named) => ({ name: named.name, peer: named.connection.remotePeer.toString() })),
    }),
    stats: () => ({ in: metrics.totals.in, out: metrics.totals.out, history }),
  })
  const { server: front, closeAll } = createFront({
    maxConnections: init.maxApiConnections ?? 64,
    http: (socket) => api.http.emit('connection', socket),
    tunnel: api.tunnel,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject)
      front.listen(init.apiPort ?? 12333, init.apiHost ?? '127.0.0.1', () => resolve())
    })
  } catch (err) {
    clearInterval(sampler)
    await node.stop()
    throw err
  }
  port = (front.address() as AddressInfo).port
  let control: ControlServer | undefined
  if (init.unixSocket != null) {
    control = await startControlServer({ host: node, path: init.unixSocket, count, metrics })
  }
  log('REST API on 127.0.0.1:%d, peer %s', port, node.peerId)
  return {
    node,
    metrics,
    url: `http://127.0.0.1:${port}`,
    port,
    ...(init.unixSocket != null ? { unixSocket: init.unixSocket } : {}),
    async stop() {
      clearInterval(sampler)
      closeAll()
      await control?.stop()
      await table.stop()
      await node.stop()
    },
  }
}
