/**
 * The libp2p daemon control protocol (go-libp2p-daemon specs/CONTROL.md) on
 * a unix socket: each client connection carries one varint-prefixed
 * `Request` and gets one `Response`; after STREAM_OPEN the connection is
 * the stream. STREAM_HANDLER registers a loopback or unix address the
 * daemon dials for each inbound stream, writing a `StreamInfo` first.
 * Served: IDENTIFY, CONNECT, STREAM_OPEN, STREAM_HANDLER, LIST_PEERS,
 * DISCONNECT; anything else gets an ERROR response.
 */
import { chmod, rm } from 'node:fs/promises'
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { Connection, Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Host } from '@weft/host'
import { peerIdFromBytes } from '@weft/peer-id'
import { encodeLengthPrefixed, LengthPrefixedDecoder, logger } from '@weft/utils'
import type { DaemonMetrics } from '../daemon/metrics.js'
import { Request, Response, StreamInfo } from './daemon.pb.js'
import { pipeSocketToStream } from './raw-pipe.js'

const log = logger('weft:daemon')
const MAX_REQUEST = 64 * 1024
const REQUEST_TIMEOUT = 10_000
const MAX_CLIENTS = 64
const MAX_HANDLERS = 64

export interface ControlInit {
  host: Host
  path: string
  count: (direction: 'in' | 'out', bytes: number) => void
  metrics: DaemonMetrics
}

export interface ControlServer {
  stop(): Promise<void>
}

type Reply = Partial<Response>

const okReply = (extra: Reply = {}): Reply => ({ type: Response.Type.OK, ...extra })
const errorReply = (msg: string): Reply => ({ type: Response.Type.ERROR, error: { msg } })

/** A handler address must be loopback TCP or a unix path: the daemon never dials elsewhere for a client. */
export function handlerTarget(
  address: Multiaddr,
): { host: string; port: number } | { path: string } | undefined {
  const parts = address.getComponents()
  if (parts.length === 1 && parts[0]!.name === 'unix') {
    // Python's multiaddr (p2pclient) writes `/unix/tmp/x.sock` as the path
    // `tmp/x.sock`; a handler path relative to the daemon's working directory
    // would make no sense, so every path is taken from the root
    const path = parts[0]!.value!
    return { path: path.startsWith('/') ? path : `/${path}` }
  }
  if (parts.length !== 2 || parts[1]!.name !== 'tcp') return undefined
  const ip = parts[0]!
  const loopback =
    (ip.name === 'ip4' && ip.value?.startsWith('127.') === true) || (ip.name === 'ip6' && ip.value === '::1')
  return loopback ? { host: ip.value!, port: Number(parts[1]!.value) } : undefined
}

export async function startControlServer(init: ControlInit): Promise<ControlServer> {
  const { host } = init
  const handlers = new Set<string>()
  const sockets = new Set<Socket>()
  await rm(init.path, { force: true })
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    void serveClient(socket).catch((err: unknown) => {
      log.error('control client failed: %e', err)
      socket.destroy()
    })
  })
  server.maxConnections = MAX_CLIENTS

  async function readRequest(socket: Socket): Promise<Request | undefined> {
    const decoder = new LengthPrefixedDecoder(MAX_REQUEST)
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), REQUEST_TIMEOUT)
      const finish = (value: Request | undefined): void => {
        clearTimeout(timer)
        socket.off('data', onData)
        socket.off('end', onEnd)
        socket.pause()
        resolve(value)
      }
      const onEnd = (): void => finish(undefined)
      const onData = (chunk: Buffer): void => {
        try {
          decoder.push(chunk)
          const first = decoder.messages().next()
          if (first.done === true) return
          // the client waits for the response before writing anything else
          finish(Request.decode(first.value))
        } catch {
          finish(undefined)
        }
      }
      socket.on('data', onData)
      socket.on('end', onEnd)
    })
  }

  const write = (socket: Socket, reply: Reply): void => {
    socket.write(encodeLengthPrefixed(Response.encode(reply)))
  }

  async function serveClient(socket: Socket): Promise<void> {
    const request = await readRequest(socket)
    if (request == null) return void socket.destroy()
    const signal = AbortSignal.timeout(
      Number(request.connect?.timeout ?? request.streamOpen?.timeout ?? 0) * 1000 || 30_000,
    )
    switch (request.type) {
      case Request.Type.IDENTIFY:
        write(
          socket,
          okReply({
            identify: {
              id: host.peerId.toMultihash().bytes,
              addrs: host.getMultiaddrs().map((a) => a.bytes),
            },
          }),
        )
        return void socket.end()
      case Request.Type.LIST_PEERS:
        write(socket, okReply({ peers: peerList(host) }))
        return void socket.end()
      case Request.Type.CONNECT: {
        const peer = peerIdFromBytes(request.connect?.peer ?? new Uint8Array())
        const addrs = (request.connect?.addrs ?? []).map((bytes) => multiaddr(bytes))
        try {
          if (addrs.length > 0) await host.peerStore.merge(peer, { multiaddrs: addrs })
          await host.dial(peer, { signal })
          init.metrics.dials.inc({ outcome: 'success' })
          write(socket, okReply())
        } catch {
          init.metrics.dials.inc({ outcome: 'failure' })
          write(socket, errorReply(`could not connect to ${peer}`))
        }
        return void socket.end()
      }
      case Request.Type.DISCONNECT: {
        const peer = peerIdFromBytes(request.disconnect?.peer ?? new Uint8Array())
        await host.hangUp(peer)
        write(socket, okReply())
        return void socket.end()
      }
      case Request.Type.STREAM_OPEN: {
        const peer = peerIdFromBytes(request.streamOpen?.peer ?? new Uint8Array())
        const protocols = request.streamOpen?.proto ?? []
        let stream: Stream
        let connection: Connection
        try {
          connection = await host.dial(peer, { signal })
          stream = await connection.newStream(protocols, { signal })
        } catch {
          write(socket, errorReply(`could not open a stream to ${peer} on ${protocols.join(', ')}`))
          return void socket.end()
        }
        const info = {
          peer: peer.toMultihash().bytes,
          addr: connection.remoteAddr.bytes,
          proto: stream.protocol ?? '',
        }
        write(socket, okReply({ streamInfo: info }))
        socket.resume()
        await pipeSocketToStream(socket, stream, init.count)
        return
      }
      case Request.Type.STREAM_HANDLER: {
        const address = multiaddr(request.streamHandler?.addr ?? new Uint8Array())
        const target = handlerTarget(address)
        const protocols = request.streamHandler?.proto ?? []
        if (target == null) {
          write(socket, errorReply('a handler address must be loopback TCP or a unix socket'))
          return void socket.end()
        }
        if (handlers.size + protocols.length > MAX_HANDLERS) {
          write(socket, errorReply('too many stream handlers'))
          return void socket.end()
        }
        const owned = protocols.find(
          (protocol) => !handlers.has(protocol) && host.getProtocols().includes(protocol),
        )
        if (owned != null) {
          write(socket, errorReply(`${owned} is served by the daemon itself`))
          return void socket.end()
        }
        for (const protocol of protocols) {
          handlers.add(protocol)
          await host.handle(protocol, (stream, connection) => forward(stream, connection, target), {
            force: true,
          })
        }
        write(socket, okReply())
        return void socket.end()
      }
      default:
        write(socket, errorReply(`request type ${request.type ?? 'unset'} is not supported by weft's daemon`))
        return void socket.end()
    }
  }

  function forward(
    stream: Stream,
    connection: Connection,
    target: { host: string; port: number } | { path: string },
  ): void {
    const client = 'path' in target ? connect(target.path) : connect(target.port, target.host)
    client.once('error', () => stream.abort(new Error('stream handler unreachable')))
    client.once('connect', () => {
      const info = StreamInfo.encode({
        peer: connection.remotePeer.toMultihash().bytes,
        addr: connection.remoteAddr.bytes,
        proto: stream.protocol ?? '',
      })
      client.write(encodeLengthPrefixed(info))
      void pipeSocketToStream(client, stream, init.count)
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.path, () => resolve())
  })
  await chmod(init.path, 0o600)
  return {
    async stop() {
      for (const protocol of handlers) await host.unhandle(protocol).catch(() => {})
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(init.path, { force: true })
    },
  }
}

function peerList(host: Host): Array<{ id: Uint8Array<ArrayBuffer>; addrs: Uint8Array<ArrayBuffer>[] }> {
  return host.getPeers().map((peer) => ({
    id: peer.toMultihash().bytes,
    addrs: host.getConnections(peer).map((connection) => connection.remoteAddr.bytes),
  }))
}
