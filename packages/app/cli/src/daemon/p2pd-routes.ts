/**
 * P2PD's REST routes over weft connections, both generations: v3
 * (`/version`, `/ifs`, `/addr`, `/open/<name>/<addr|self>`, `/info/<name>`,
 * `/send/<name>/<text>`, `/recv/<name>`, `/close/<name>`, POST and GET
 * `/binary/<name>`, `/sub/...`) and the earlier `/p2p/...` names
 * (`/p2p/con` for info, `/p2p/pipe` for tunnel). Optional parameters follow
 * P2PD's path pairs (`/recv/c/name/<sub>/timeout/<s>`) or the query string
 * (`?timeout=&name=&pattern=`). `/tunnel` is served by the front (tunnel.ts).
 */
import { networkInterfaces } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import type { Host } from '@weft/host'
import type { ConnectionTable } from './connection-table.js'
import { validName } from './connection-table.js'
import type { NamedConnection } from './named-connection.js'
import { addressTuple, P2PD_ERROR, p2pdError } from './p2pd-json.js'

export const API_VERSION = '3.0.0'
const MAX_SUBS = 256
const MAX_PATTERN = 256
const MAX_TIMEOUT_SECONDS = 60

export type Reply = { status: number; json: unknown } | { status: number; bytes: Uint8Array }

export interface P2pdContext {
  host: Host
  table: ConnectionTable
  /** subscriptions by name: a pattern on message text (P2PD's msg_p) */
  subs: Map<string, RegExp>
}

export interface P2pdRequest {
  method: string
  /** the path split on '/', each part percent-decoded, without the leading '' */
  segments: string[]
  query: URLSearchParams
  body: Uint8Array
  signal: AbortSignal
}

const ok = (json: Record<string, unknown>): Reply => ({ status: 200, json: { ...json, error: 0 } })
const fail = (code: number, msg: string): Reply => ({ status: 200, json: p2pdError(code, msg) })

/** The route name after mapping the /p2p/ generation onto v3; undefined if not a P2PD route. */
export function p2pdRouteName(segments: string[]): { route: string; args: string[] } | undefined {
  let [first, ...rest] = segments
  if (first === 'p2p') {
    ;[first, ...rest] = rest
    if (first === 'pipe') first = 'tunnel'
    if (first === 'con') first = 'info'
  }
  const routes = [
    'version',
    'ifs',
    'addr',
    'open',
    'info',
    'send',
    'recv',
    'close',
    'binary',
    'tunnel',
    'sub',
  ]
  return first != null && routes.includes(first) ? { route: first, args: rest } : undefined
}

/** P2PD's optional `/key/value` pairs after the fixed arguments, then the query string. */
function option(args: string[], query: URLSearchParams, key: string): string | undefined {
  const index = args.indexOf(key)
  if (index >= 0 && index + 1 < args.length) return args[index + 1]
  return query.get(key) ?? undefined
}

function timeoutMs(args: string[], query: URLSearchParams): number {
  const seconds = Number(option(args, query, 'timeout') ?? 2)
  if (!Number.isFinite(seconds) || seconds < 0) return 2000
  return Math.min(seconds, MAX_TIMEOUT_SECONDS) * 1000
}

function patternFor(ctx: P2pdContext, args: string[], query: URLSearchParams): RegExp | undefined | Error {
  const sub = option(args, query, 'name')
  if (sub != null && sub !== 'all') {
    const found = ctx.subs.get(sub)
    if (found == null) return new Error(`sub ${sub} does not exist`)
    return found
  }
  const pattern = query.get('pattern')
  return pattern == null ? undefined : compile(pattern)
}

function compile(pattern: string): RegExp | Error {
  if (pattern.length > MAX_PATTERN) return new Error(`pattern longer than ${MAX_PATTERN} characters`)
  try {
    return new RegExp(pattern)
  } catch {
    return new Error('pattern is not a regular expression')
  }
}

export function connectionInfo(ctx: P2pdContext, named: NamedConnection): Record<string, unknown> {
  const { connection } = named
  return {
    error: 0,
    name: named.name,
    laddr: addressTuple(ctx.host.getMultiaddrs()[0]),
    raddr: addressTuple(connection.remoteAddr),
    peer: connection.remotePeer.toString(),
    route: {
      remote_addr: connection.remoteAddr.toString(),
      direct: connection.limits == null,
      encryption: connection.encryption ?? null,
      muxer: connection.multiplexer ?? null,
    },
    if: { name: 'default', offset: 0 },
  }
}

export function interfaces(): Array<Record<string, unknown>> {
  return Object.entries(networkInterfaces()).map(([name, entries], offset) => ({
    name,
    offset,
    addrs: (entries ?? []).map((entry) => ({
      family: entry.family,
      address: entry.address,
      netmask: entry.netmask,
    })),
  }))
}

export async function handleP2pd(
  ctx: P2pdContext,
  route: string,
  args: string[],
  req: P2pdRequest,
): Promise<Reply> {
  const { query } = req
  switch (route) {
    case 'version':
      return ok({ title: 'weft', author: 'weft', version: API_VERSION })
    case 'ifs':
      return ok({ ifs: interfaces() })
    case 'addr': {
      const addrs = ctx.host.getMultiaddrs().map(String)
      if (addrs.length === 0) return fail(P2PD_ERROR.noAddress, 'node has no listen address.')
      return ok({ addr: addrs[0], addrs, peer: ctx.host.peerId.toString() })
    }
    case 'open':
      return open(ctx, args, req.signal)
  }
  const name = args[0] ?? ''
  if (route === 'sub') return sub(ctx, req.method, args, query)
  const named = ctx.table.get(name)
  if (named == null) return fail(P2PD_ERROR.noSuchConnection, `con ${name} does not exist`)
  switch (route) {
    case 'info':
      return { status: 200, json: connectionInfo(ctx, named) }
    case 'send': {
      const text = args.slice(1).join('/')
      const bytes = new TextEncoder().encode(text)
      try {
        await named.send(bytes, req.signal)
      } catch {
        return fail(P2PD_ERROR.sendFailed, 'send txt failed')
      }
      return ok({ con_name: name, sent: text.length })
    }
    case 'recv':
    case 'binary': {
      if (route === 'binary' && req.method === 'POST') {
        try {
          await named.send(req.body, req.signal)
        } catch {
          return fail(P2PD_ERROR.sendFailed, 'binary send failed.')
        }
        return ok({ con_name: name, sent: req.body.byteLength })
      }
      const pattern = patternFor(ctx, args.slice(1), query)
      if (pattern instanceof Error) return fail(P2PD_ERROR.bufferEmpty, pattern.message)
      const message = await named.recv(pattern, timeoutMs(args.slice(1), query))
      if (message == null) {
        return route === 'recv'
          ? fail(P2PD_ERROR.recvTimeout, 'recv timeout')
          : fail(P2PD_ERROR.bufferEmpty, 'recv buffer empty.')
      }
      if (route === 'binary') return { status: 200, bytes: message }
      return ok({
        con_name: name,
        client_tup: addressTuple(named.connection.remoteAddr),
        data: new TextDecoder().decode(message),
      })
    }
    case 'close':
      await named.close()
      return ok({ closed: name })
  }
  return { status: 404, json: p2pdError(404, 'no such route') }
}

async function open(ctx: P2pdContext, args: string[], signal: AbortSignal): Promise<Reply> {
  const [name = '', ...rest] = args
  if (!validName(name)) return fail(P2PD_ERROR.connectFailed, 'con name must be 1-64 of A-Z a-z 0-9 _ . -')
  if (ctx.table.get(name) != null) return fail(P2PD_ERROR.nameExists, 'Con name already exists.')
  if (ctx.table.full) return fail(P2PD_ERROR.connectFailed, 'too many connections.')
  let text = rest.join('/')
  if (text === 'self') {
    const own = ctx.host.getMultiaddrs()[0]
    if (own == null) return fail(P2PD_ERROR.noAddress, 'node has no listen address.')
    text = own.toString()
  }
  if (!text.startsWith('/')) text = `/${text}`
  let target: ReturnType<typeof multiaddr>
  try {
    target = multiaddr(text)
  } catch {
    return fail(P2PD_ERROR.connectFailed, `Con ${name} failed connect: not a multiaddr.`)
  }
  try {
    const named = await ctx.table.open(name, target, AbortSignal.any([signal, AbortSignal.timeout(20_000)]))
    return { status: 200, json: connectionInfo(ctx, named) }
  } catch {
    return fail(P2PD_ERROR.connectFailed, `Con ${name} failed connect.`)
  }
}

function sub(ctx: P2pdContext, method: string, args: string[], query: URLSearchParams): Reply {
  const conName = args[0] ?? ''
  const subName = option(args.slice(1), query, 'name') ?? ''
  if (ctx.table.get(conName) == null)
    return fail(P2PD_ERROR.noSuchConnection, `con ${conName} does not exist`)
  if (method === 'DELETE') {
    if (subName !== 'all' && !ctx.subs.delete(subName)) {
      return fail(P2PD_ERROR.noSuchConnection, `sub ${subName} does not exist`)
    }
    return ok({ con_name: conName, unsub: subName })
  }
  if (subName === 'all') return fail(P2PD_ERROR.reservedSubName, 'reserved sub name')
  if (!validName(subName))
    return fail(P2PD_ERROR.reservedSubName, 'sub name must be 1-64 of A-Z a-z 0-9 _ . -')
  if (ctx.subs.has(subName)) return fail(P2PD_ERROR.subExists, 'sub name already exists.')
  if (ctx.subs.size >= MAX_SUBS) return fail(P2PD_ERROR.subExists, 'too many subs.')
  const pattern = compile(option(args.slice(1), query, 'msg_p') ?? '')
  if (pattern instanceof Error) return fail(P2PD_ERROR.subExists, pattern.message)
  ctx.subs.set(subName, pattern)
  return ok({ con_name: conName, sub_name: subName, sub: pattern.source })
}
