/** Two `QuicConnection`s wired back to back in memory, with an optional datagram filter (loss, reordering). */
import { logger } from '@weft/utils'
import { CONNECTION_ID_LENGTH, type ConnectionOptions, QuicConnection } from '../src/connection/connection.js'
import { parsePacketHeader } from '../src/packet-header.js'
import { identity } from './tls-fixtures.js'

export const OPTIONS: ConnectionOptions = {
  idleTimeout: 30_000,
  keepAlive: false,
  keyUpdateInterval: 1_000_000,
  limits: {
    streamWindow: 256 * 1024,
    connectionWindow: 1024 * 1024,
    maxIncomingStreams: 16,
    writeHighWater: 64 * 1024,
  },
}

export type Filter = (datagram: Uint8Array, from: 'client' | 'server') => boolean

export async function connectionPair(options: Partial<ConnectionOptions> = {}, filter: Filter = () => true) {
  const [a, b] = await Promise.all([identity(), identity()])
  let server: QuicConnection | undefined
  const toServer = (datagram: Uint8Array): void => {
    if (!filter(datagram, 'client')) return
    if (server == null) {
      const header = parsePacketHeader(datagram, 0, CONNECTION_ID_LENGTH)
      if (header.form !== 'long') return
      server = new QuicConnection({
        ...OPTIONS,
        ...options,
        role: 'server',
        certificate: b.certificate,
        log: logger('weft:quic:test:server'),
        clientDcid: header.dcid.slice(),
        clientScid: header.scid.slice(),
        send: (out) => setImmediate(() => filter(out, 'server') && client.receive(out)),
      })
      serverReady(server)
    }
    const target = server
    setImmediate(() => target.receive(datagram))
  }
  let serverReady: (server: QuicConnection) => void = () => {}
  const serverPromise = new Promise<QuicConnection>((resolve) => {
    serverReady = resolve
  })
  const client: QuicConnection = new QuicConnection({
    ...OPTIONS,
    ...options,
    role: 'client',
    certificate: a.certificate,
    log: logger('weft:quic:test:client'),
    send: toServer,
  })
  return { client, serverPromise, identities: [a, b] as const }
}

export function established(connection: QuicConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    if (connection.result != null) return resolve()
    connection.events.established = () => resolve()
    connection.events.closed = (err) => reject(err ?? new Error('closed'))
  })
}
