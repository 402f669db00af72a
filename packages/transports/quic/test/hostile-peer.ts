/**
 * A listening QUIC socket that echoes streams, a hostile peer that completes
 * a real handshake with it and then sends frames of its choosing (queued
 * into its own 1-RTT packets, as the sender does with lost frames), and an
 * honest client that checks the listener still serves everyone else.
 */
import { generateKeyPair } from '@weft/crypto'
import { generateCertificate } from '@weft/tls'
import { logger } from '@weft/utils'
import type { QuicConnection } from '../src/connection/connection.js'
import type { StreamHandler, StreamState } from '../src/connection/stream-state.js'
import type { Frame } from '../src/frame.js'
import { type QuicInit, resolveConfig } from '../src/transport/config.js'
import { UdpEndpoint } from '../src/transport/endpoint.js'

export interface Accepted {
  connection: QuicConnection
  /** resolves with the error the connection ended with (undefined: a clean close) */
  closed: Promise<Error | undefined>
  /** every stream the peer opened (the server's MAX_STREAMS bounds them), kept after the close */
  opened: StreamState[]
}

export interface Listener {
  endpoint: UdpEndpoint
  port: number
  accepted: Accepted[]
  /** the server connection of the next peer to finish its handshake */
  next(): Promise<Accepted>
}

const sockets: UdpEndpoint[] = []

/** Closes every socket this module opened (call from afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(sockets.splice(0).map(async (endpoint) => endpoint.close()))
}

async function endpoint(init: QuicInit): Promise<UdpEndpoint> {
  const config = resolveConfig({ keepAlive: false, ...init })
  const socket = new UdpEndpoint({
    host: '127.0.0.1',
    port: 0,
    family: 4,
    certificate: await generateCertificate(await generateKeyPair('Ed25519')),
    connection: config.connection,
    maxConnections: 16,
    maxHandshakes: 8,
    handshakeTimeout: 5_000,
    log: logger('weft:quic:test:hostile'),
  })
  await socket.bind()
  sockets.push(socket)
  return socket
}

/** A handler writing back what arrives and ending when the peer ends. */
function echo(connection: QuicConnection, stream: StreamState): StreamHandler {
  return {
    onData: (data) => {
      connection.streams.write(stream, data)
      connection.scheduleFlush()
    },
    onFin: () => {
      connection.streams.finish(stream)
      connection.scheduleFlush()
    },
    onReset: () => {},
    onStopSending: () => {},
    onWritable: () => {},
    onConnectionClosed: () => {},
  }
}

/**
 * A listener whose connections echo every stream. (Hostile peers open
 * streams with empty or out-of-order frames, so nothing comes back on
 * streams their own stream manager never opened.)
 */
export async function listener(init: QuicInit = {}): Promise<Listener> {
  const socket = await endpoint(init)
  const accepted: Accepted[] = []
  const waiting: Array<(accepted: Accepted) => void> = []
  socket.accept = (connection) => {
    const routed = connection.events
    const opened: StreamState[] = []
    const closed = new Promise<Error | undefined>((resolve) => {
      connection.events = {
        established: (result) => {
          routed.established(result)
          const entry = { connection, closed, opened }
          accepted.push(entry)
          waiting.shift()?.(entry)
        },
        stream: (stream) => {
          opened.push(stream)
          stream.handler = echo(connection, stream)
        },
        closed: (err) => {
          routed.closed(err)
          resolve(err)
        },
      }
    })
  }
  return {
    endpoint: socket,
    port: socket.address.port,
    accepted,
    next: () => new Promise((resolve) => waiting.push(resolve)),
  }
}

/** A client connection over its own socket, once its handshake is done. */
export async function dial(port: number, init: QuicInit = {}): Promise<QuicConnection> {
  const connection = (await endpoint(init)).dial('127.0.0.1', port)
  await new Promise<void>((resolve, reject) => {
    connection.events.established = () => resolve()
    connection.events.closed = (err) => reject(err ?? new Error('closed before the handshake ended'))
  })
  return connection
}

/** Sends `frames` in the connection's next 1-RTT packets. */
export function inject(connection: QuicConnection, frames: readonly Frame[]): void {
  connection.spaces['one-rtt'].retransmit.push(...frames)
  connection.flushNow()
}

/** Resolves with the error `connection` ends with. */
export function ended(connection: QuicConnection): Promise<Error | undefined> {
  return new Promise((resolve) => {
    if (connection.closed) return resolve(undefined)
    connection.events.closed = resolve
  })
}

/** The QUIC error code a connection ended with (from `QuicTransportError` or `ConnectionClosedError`). */
export function codeOf(err: Error | undefined): number | undefined {
  return (err as { code?: number } | undefined)?.code
}

/** A new client connects to `port`, sends a message on a stream and reads it back. */
export async function honestEcho(port: number, message = 'still serving'): Promise<string> {
  const connection = await dial(port)
  const stream = connection.streams.open()
  const chunks: Uint8Array[] = []
  const done = new Promise<void>((resolve, reject) => {
    stream.handler = {
      onData: (data) => chunks.push(data),
      onFin: () => resolve(),
      onReset: (code) => reject(new Error(`reset with ${code}`)),
      onStopSending: () => {},
      onWritable: () => {},
      onConnectionClosed: (err) => reject(err ?? new Error('closed')),
    }
  })
  connection.streams.write(stream, new TextEncoder().encode(message))
  connection.streams.finish(stream)
  connection.scheduleFlush()
  await done
  connection.close()
  return new TextDecoder().decode(Buffer.concat(chunks))
}
