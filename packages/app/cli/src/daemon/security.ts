/**
 * What P2PD lacks: a bearer token on every route, the Host header held to
 * loopback names (DNS rebinding), foreign Origins refused. Pure checks over
 * the request's headers, shared by the HTTP server and the tunnel front.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

export const TOKEN_COOKIE = 'weft_token'
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Reads the token file, or writes a new random token with mode 0600. */
export async function loadOrCreateToken(file: string): Promise<{ token: string; created: boolean }> {
  try {
    const token = (await readFile(file, 'utf8')).trim()
    if (token.length >= 16) return { token, created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const token = randomBytes(32).toString('base64url')
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFile(file, `${token}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return { token, created: true }
}

export interface RequestHeaders {
  host?: string | undefined
  origin?: string | undefined
  authorization?: string | undefined
  cookie?: string | undefined
}

export interface Refusal {
  status: 401 | 403
  msg: string
}

/** The Host header names this daemon by a loopback name (port optional, and ours when given). */
export function loopbackHost(host: string | undefined, port: number): boolean {
  if (host == null) return false
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase())
  if (match == null || !LOOPBACK_NAMES.has(match[1]!)) return false
  return match[2] == null || Number(match[2]) === port
}

/** No Origin (not a browser, or same-origin GET), or this daemon's own origin. */
export function ownOrigin(origin: string | undefined, port: number): boolean {
  if (origin == null) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  return url.protocol === 'http:' && LOOPBACK_NAMES.has(url.hostname) && Number(url.port) === port
}

export function tokenEquals(given: string | undefined, token: string): boolean {
  if (given == null) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function presentedToken(headers: RequestHeaders): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')
  if (bearer != null) return bearer[1]
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === TOKEN_COOKIE) return value.join('=')
  }
  return undefined
}

/** Host and Origin first (403), then the token (401); undefined when the request may proceed. */
export function checkRequest(
  headers: RequestHeaders,
  token: string,
  port: number,
  requireToken = true,
): Refusal | undefined {
  if (!loopbackHost(headers.host, port)) return { status: 403, msg: 'Host must be a loopback name' }
  if (!ownOrigin(headers.origin, port)) return { status: 403, msg: 'Invalid origin.' }
  if (requireToken && !tokenEquals(presentedToken(headers), token)) {
    return { status: 401, msg: 'missing or wrong bearer token' }
  }
  return undefined
}
