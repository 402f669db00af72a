/**
 * The daemon's listening socket. It reads each connection's first request
 * head itself: a `/tunnel/<name>` (or `/p2p/pipe/<name>`) request becomes a
 * raw pipe (tunnel.ts), anything else is handed to node:http with the bytes
 * read so far put back. The connection-count limit applies to both.
 */
import { createServer, type Server, type Socket } from 'node:net'

export const MAX_HEAD = 16 * 1024
const HEAD_TIMEOUT = 10_000

export interface RequestHead {
  method: string
  target: string
  headers: Record<string, string>
}

/** Parses `GET /path HTTP/1.1` and its header lines; undefined if malformed. */
export function parseHead(text: string): RequestHead | undefined {
  const [requestLine, ...lines] = text.split('\r\n')
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine ?? '')
  if (match == null) return undefined
  // no prototype: a `__proto__` or `constructor` header is a header like any other
  const headers: Record<string, string> = Object.create(null)
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { method: match[1]!, target: match[2]!, headers }
}

export function isTunnelPath(path: string): boolean {
  return /^\/(tunnel|p2p\/pipe)\//.test(path)
}

export interface FrontInit {
  maxConnections: number
  /** hand a non-tunnel connection to node:http */
  http(socket: Socket): void
  /** serve a tunnel request; `rest` is what followed the head */
  tunnel(socket: Socket, head: RequestHead, rest: Buffer): void
}

/** The listening server; `closeAll()` stops it and ends every connection it accepted (tunnels too). */
export function createFront(init: FrontInit): { server: Server; closeAll(): void } {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    let buffered = Buffer.alloc(0)
    const timer = setTimeout(() => socket.destroy(), HEAD_TIMEOUT)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0 && buffered.byteLength <= MAX_HEAD) return
      clearTimeout(timer)
      socket.off('data', onData)
      socket.pause()
      const head = end < 0 ? undefined : parseHead(buffered.subarray(0, end).toString('latin1'))
      if (head != null && head.method === 'GET' && isTunnelPath(head.target)) {
        init.tunnel(socket, head, buffered.subarray(end + 4))
        return
      }
      // node:http reads the same bytes again and answers (431 for an oversized head)
      socket.unshift(buffered)
      init.http(socket)
      socket.resume()
    }
    socket.on('data', onData)
    socket.on('error', () => clearTimeout(timer))
    socket.on('close', () => clearTimeout(timer))
  })
  server.maxConnections = init.maxConnections
  return {
    server,
    closeAll() {
      server.close()
      for (const socket of sockets) socket.destroy()
    },
  }
}
