/**
 * One request script for the routes P2PD 3.1.9's rest_api.py and weft's
 * daemon both have, run against either, and the comparison of the answers:
 * status codes, P2PD's `error` codes and JSON shapes (keys and value
 * types, not values).
 *
 * A step names who asks (`a`, the opener; `b`, the receiver). Against weft
 * `a` and `b` are two daemons and `b` hears what `a` sends. Against P2PD
 * they are the same daemon with a connection to itself, and what it sends
 * is the string P2PD's node protocol echoes (p2p_protocol.py lines 148-151),
 * since P2PD names only the connections it opened (rest_api.py line 183).
 */
import { request } from 'node:http'

export interface Reply {
  /** 0: no answer within the step's time */
  status: number
  type: string
  body: Buffer
}

export interface Endpoint {
  ask(
    method: string,
    path: string,
    options?: { body?: Buffer; headers?: Record<string, string>; ms?: number },
  ): Promise<Reply>
}

export interface Peer {
  a: Endpoint
  b: Endpoint
  /** the path part naming the peer of /open (after `/open/<name>`) */
  peerPath: string
  /** the text `a` sends, which `b` then receives */
  text: string
}

export interface Step {
  id: string
  who: 'a' | 'b'
  method: string
  path: (peer: Peer) => string
  body?: (peer: Peer) => Buffer
  headers?: Record<string, string>
  ms?: number
}

export const ECHO_TRIGGER = 'long_p2pd_test_string_abcd123'

export const STEPS: Step[] = [
  { id: 'version', who: 'a', method: 'GET', path: () => '/version' },
  { id: 'ifs', who: 'a', method: 'GET', path: () => '/ifs' },
  { id: 'addr', who: 'a', method: 'GET', path: () => '/addr' },
  { id: 'open self', who: 'a', method: 'GET', path: () => '/open/me/self', ms: 30_000 },
  { id: 'open peer', who: 'a', method: 'GET', path: (p) => `/open/chat${p.peerPath}`, ms: 30_000 },
  { id: 'open same name', who: 'a', method: 'GET', path: (p) => `/open/chat${p.peerPath}` },
  { id: 'info', who: 'a', method: 'GET', path: () => '/info/chat' },
  { id: 'send text', who: 'a', method: 'GET', path: (p) => `/send/chat/${encodeURIComponent(p.text)}` },
  { id: 'recv text', who: 'b', method: 'GET', path: () => '/recv/chat' },
  { id: 'recv nothing', who: 'b', method: 'GET', path: () => '/recv/chat' },
  { id: 'recv timeout param', who: 'b', method: 'GET', path: () => '/recv/chat/timeout/1' },
  {
    id: 'binary post',
    who: 'a',
    method: 'POST',
    path: () => '/binary/chat',
    body: (p) => Buffer.from(p.text),
    headers: { 'Content-Type': 'application/octet-stream' },
  },
  { id: 'binary get', who: 'b', method: 'GET', path: () => '/binary/chat' },
  { id: 'binary nothing', who: 'b', method: 'GET', path: () => '/binary/chat' },
  { id: 'sub', who: 'b', method: 'GET', path: () => '/sub/chat/name/pongs/msg_p/pong' },
  { id: 'sub same name', who: 'b', method: 'GET', path: () => '/sub/chat/name/pongs/msg_p/x' },
  { id: 'sub all', who: 'b', method: 'GET', path: () => '/sub/chat/name/all/msg_p/x' },
  { id: 'unsub', who: 'b', method: 'DELETE', path: () => '/sub/chat/name/pongs' },
  { id: 'recv unknown con', who: 'a', method: 'GET', path: () => '/recv/nobody' },
  { id: 'close', who: 'a', method: 'GET', path: () => '/close/chat' },
  { id: 'info closed', who: 'a', method: 'GET', path: () => '/info/chat' },
  { id: 'tunnel', who: 'a', method: 'GET', path: () => '/tunnel/chat', ms: 2_000 },
  { id: 'unknown route', who: 'a', method: 'GET', path: () => '/nosuch', ms: 2_000 },
  {
    id: 'foreign origin',
    who: 'a',
    method: 'GET',
    path: () => '/version',
    headers: { Origin: 'http://evil.example' },
    ms: 2_000,
  },
]

/** node:http to a TCP port or a unix socket; a reply not complete within `ms` counts as what arrived. */
export function endpoint(target: { port?: number; socketPath?: string; token?: string }): Endpoint {
  return {
    ask(method, path, options = {}) {
      return new Promise((resolve) => {
        const chunks: Buffer[] = []
        let status = 0
        let type = ''
        const done = () => resolve({ status, type, body: Buffer.concat(chunks) })
        const req = request(
          {
            ...(target.socketPath != null
              ? { socketPath: target.socketPath }
              : { host: '127.0.0.1', port: target.port }),
            path,
            method,
            agent: false,
            headers: {
              ...(target.token != null ? { Authorization: `Bearer ${target.token}` } : {}),
              ...(options.body != null ? { 'Content-Length': String(options.body.byteLength) } : {}),
              ...options.headers,
            },
          },
          (res) => {
            status = res.statusCode ?? 0
            type = String(res.headers['content-type'] ?? '')
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', done)
            res.on('error', done)
          },
        )
        req.setTimeout(options.ms ?? 15_000, () => {
          req.destroy()
          done()
        })
        req.on('error', done)
        req.end(options.body)
      })
    },
  }
}

/** The type of a JSON value: objects key by key, arrays as the set of their element types. */
export function shape(value: unknown): unknown {
  if (value === null) return 'null'
  if (Array.isArray(value))
    return `[${[...new Set(value.map((item) => JSON.stringify(shape(item))))].sort().join('|')}]`
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    )
  return typeof value
}

export interface Answer {
  status: number
  kind: 'json' | 'bytes' | 'none'
  /** top-level keys and their types (JSON), else the content type */
  shape: Record<string, unknown> | string
  /** P2PD's `error` field, its real status code */
  error?: unknown
}

export function answerOf(reply: Reply): Answer {
  if (reply.status === 0) return { status: 0, kind: 'none', shape: 'no answer' }
  if (reply.type.includes('json')) {
    try {
      const json = JSON.parse(reply.body.toString('utf8'))
      return {
        status: reply.status,
        kind: 'json',
        shape: shape(json) as Record<string, unknown>,
        error: json?.error,
      }
    } catch {}
  }
  return { status: reply.status, kind: 'bytes', shape: reply.type }
}

export async function runScript(peer: Peer): Promise<Map<string, Answer>> {
  const answers = new Map<string, Answer>()
  for (const step of STEPS) {
    const reply = await peer[step.who].ask(step.method, step.path(peer), {
      ...(step.body != null ? { body: step.body(peer) } : {}),
      ...(step.headers != null ? { headers: step.headers } : {}),
      ...(step.ms != null ? { ms: step.ms } : {}),
    })
    answers.set(step.id, answerOf(reply))
  }
  return answers
}

/** What differs between P2PD's answer and weft's; [] when they match. */
export function differences(p2pd: Answer, weft: Answer): string[] {
  const found: string[] = []
  if (p2pd.status !== weft.status) found.push(`status ${p2pd.status} vs ${weft.status}`)
  if (p2pd.error !== weft.error) found.push(`error ${String(p2pd.error)} vs ${String(weft.error)}`)
  if (p2pd.kind !== weft.kind) return [...found, `${p2pd.kind} vs ${weft.kind}`]
  if (typeof p2pd.shape === 'string' || typeof weft.shape === 'string') {
    if (p2pd.shape !== weft.shape) found.push(`${String(p2pd.shape)} vs ${String(weft.shape)}`)
    return found
  }
  const theirs = p2pd.shape
  const ours = weft.shape
  for (const key of Object.keys(theirs)) {
    if (!(key in ours)) found.push(`weft lacks ${key}`)
    else if (JSON.stringify(theirs[key]) !== JSON.stringify(ours[key]))
      found.push(`${key}: ${brief(theirs[key])} vs ${brief(ours[key])}`)
  }
  for (const key of Object.keys(ours)) if (!(key in theirs)) found.push(`weft adds ${key}`)
  return found
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
