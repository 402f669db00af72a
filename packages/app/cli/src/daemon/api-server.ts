/**
 * The REST API on 127.0.0.1: security checks first (security.ts), then the
 * daemon's own routes (/, /login, /metrics, /openapi.json, /peers, /stats)
 * and P2PD's (p2pd-routes.ts). Bodies are limited; errors carry no
 * internals (details go to the `weft:daemon` log).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { logger } from '@weft/utils'
import { DASHBOARD_HTML } from './dashboard.js'
import type { RequestHead } from './http-front.js'
import type { DaemonMetrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { p2pdError, p2pdJson } from './p2pd-json.js'
import { handleP2pd, type P2pdContext, p2pdRouteName, type Reply } from './p2pd-routes.js'
import { checkRequest, TOKEN_COOKIE, tokenEquals } from './security.js'
import { startTunnel } from './tunnel.js'

const log = logger('weft:daemon')

export interface ApiInit {
  context: P2pdContext
  metrics: DaemonMetrics
  token: string
  /** the port the daemon listens on, for the Host and Origin checks */
  port: () => number
  maxBody: number
  /** /peers and /stats */
  peers: () => unknown
  stats: () => unknown
}

class BodyTooLarge extends Error {}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(body)
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, p2pdJson(value), 'application/json')
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new BodyTooLarge()
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.byteLength
    if (length > limit) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function segmentsOf(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent)
  } catch {
    return undefined
  }
}

export function createApiServer(init: ApiInit): {
  http: Server
  tunnel(socket: Socket, head: RequestHead, rest: Buffer): void
} {
  const http = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 120_000 }, (req, res) => {
    void serve(init, req, res).catch((err: unknown) => {
      log.error('request %s failed: %e', req.url, err)
      if (!res.headersSent) sendJson(res, 500, p2pdError(500, 'internal error'))
      else res.destroy()
    })
  })
  return {
    http,
    tunnel(socket, head, rest) {
      void serveTunnel(init, socket, head, rest)
    },
  }
}

/** How long a /tunnel request waits for a connection name that has not arrived yet, ms. */
const TUNNEL_NAME_WAIT = 5000
/** A refused tunnel's socket is destroyed after this long if the client does not close it, ms. */
const REFUSED_LINGER = 5000

async function serveTunnel(init: ApiInit, socket: Socket, head: RequestHead, rest: Buffer): Promise<void> {
  const url = new URL(head.target, 'http://127.0.0.1')
  const refusal = checkRequest(head.headers, init.token, init.port())
  const segments = segmentsOf(url.pathname) ?? []
  const route = p2pdRouteName(segments)
  const name = route?.args[0] ?? ''
  const reject = (status: number, body: unknown): void => {
    const text = p2pdJson(body)
    socket.end(
      `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Refused'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    )
    // read and drop what the client still sends, so its writes finish and it
    // sees the answer and the close instead of waiting on a full buffer
    socket.on('data', () => {})
    socket.resume()
    setTimeout(() => socket.destroy(), REFUSED_LINGER).unref()
    init.metrics.httpRequests.inc({ route: 'tunnel', status })
  }
  if (refusal != null) return reject(refusal.status, p2pdError(refusal.status, refusal.msg))
  const named = await init.context.table.waitFor(name, TUNNEL_NAME_WAIT)
  if (socket.destroyed) return
  if (named == null) return reject(200, p2pdError(7, `con ${name} does not exist`))
  if (!startTunnel(socket, named, rest)) return reject(200, p2pdError(8, 'a tunnel is already attached'))
  init.metrics.httpRequests.inc({ route: 'tunnel', status: 101 })
  socket.resume()
}

async function serve(init: ApiInit, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const segments = segmentsOf(url.pathname)
  const isLogin = url.pathname === '/login'
  const refusal = checkRequest(req.headers, init.token, init.port(), !isLogin)
  const count = (route: string, status: number): void => init.metrics.httpRequests.inc({ route, status })
  if (refusal != null) {
    count('refused', refusal.status)
    res.setHeader('Connection', 'close')
    if (refusal.status === 401) res.setHeader('WWW-Authenticate', 'Bearer')
    return sendJson(res, refusal.status, p2pdError(refusal.status, refusal.msg))
  }
  let body: Uint8Array
  try {
    body = await readBody(req, init.maxBody)
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err
    count('refused', 413)
    res.setHeader('Connection', 'close')
    sendJson(res, 413, p2pdError(413, `body larger than ${init.maxBody} bytes`))
    req.destroy()
    return
  }
  if (isLogin) {
    if (!tokenEquals(url.searchParams.get('token') ?? undefined, init.token)) {
      count('login', 401)
      return sendJson(res, 401, p2pdError(401, 'missing or wrong token'))
    }
    count('login', 303)
    res.writeHead(303, {
      Location: '/',
      'Set-Cookie': `${TOKEN_COOKIE}=${init.token}; HttpOnly; SameSite=Strict; Path=/`,
      'Content-Length': 0,
    })
    res.end()
    return
  }
  const reply = await route(init, req.method ?? 'GET', segments, url, body)
  count(reply.route, reply.status)
  if ('text' in reply) return send(res, reply.status, reply.text, reply.type)
  if ('bytes' in reply) return send(res, reply.status, reply.bytes, 'application/octet-stream')
  sendJson(res, reply.status, reply.json)
}

type Routed = (Reply | { status: number; text: string; type: string }) & { route: string }

async function route(
  init: ApiInit,
  method: string,
  segments: string[] | undefined,
  url: URL,
  body: Uint8Array,
): Promise<Routed> {
  const path = url.pathname
  if (segments == null) return { route: 'bad', status: 400, json: p2pdError(400, 'bad percent-encoding') }
  if (method === 'GET') {
    if (path === '/')
      return { route: 'dashboard', status: 200, text: DASHBOARD_HTML, type: 'text/html; charset=utf-8' }
    if (path === '/openapi.json') return { route: 'openapi', status: 200, json: openApiDocument() }
    if (path === '/peers') return { route: 'peers', status: 200, json: init.peers() }
    if (path === '/stats') return { route: 'stats', status: 200, json: init.stats() }
    if (path === '/metrics') {
      const text = await init.metrics.registry.metrics()
      return { route: 'metrics', status: 200, text, type: init.metrics.registry.contentType }
    }
  }
  const found = p2pdRouteName(segments)
  const allowed =
    found?.route === 'binary' ? ['GET', 'POST'] : found?.route === 'sub' ? ['GET', 'DELETE'] : ['GET']
  if (found == null || found.route === 'tunnel') {
    return { route: 'unknown', status: 404, json: p2pdError(404, 'no such route') }
  }
  if (!allowed.includes(method))
    return { route: found.route, status: 405, json: p2pdError(405, 'method not allowed') }
  const reply = await handleP2pd(init.context, found.route, found.args, {
    method,
    segments,
    query: url.searchParams,
    body,
    signal: AbortSignal.timeout(120_000),
  })
  return { ...reply, route: found.route }
}
