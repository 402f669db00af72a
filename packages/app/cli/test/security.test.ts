/**
 * Acceptance 3: the token on every route (401 without it, tunnel included),
 * 403 for a foreign Origin or a Host that is not a loopback name (DNS
 * rebinding), 413 for oversized bodies (declared or streamed), and error
 * bodies that say nothing about the daemon's internals.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkRequest, loopbackHost, ownOrigin } from '../src/daemon/security.js'
import { bundleCli, type DaemonProcess, http, startDaemonProcess, tempDir } from './helpers.js'

const ROUTES: Array<[string, string]> = [
  ['GET', '/'],
  ['GET', '/version'],
  ['GET', '/ifs'],
  ['GET', '/addr'],
  ['GET', '/open/x/self'],
  ['GET', '/info/x'],
  ['GET', '/send/x/hi'],
  ['GET', '/recv/x'],
  ['GET', '/close/x'],
  ['GET', '/binary/x'],
  ['POST', '/binary/x'],
  ['GET', '/sub/x/name/s/msg_p/a'],
  ['DELETE', '/sub/x/name/s'],
  ['GET', '/p2p/open/x/self'],
  ['GET', '/p2p/con/x'],
  ['GET', '/peers'],
  ['GET', '/stats'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['GET', '/no/such/route'],
]

/** The request head of a raw HTTP exchange's answer. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let text = ''
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      text += chunk
    })
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')))
  })
}

describe('the REST API refuses what P2PD would let through', () => {
  const temp = tempDir('security')
  let daemon: DaemonProcess

  beforeAll(async () => {
    daemon = await startDaemonProcess(bundleCli(temp.dir), temp.dir, 'guard', ['--max-body', '4096'])
  }, 120_000)

  afterAll(async () => {
    expect(await daemon?.stop()).toBe(0)
    temp.remove()
  })

  it('answers 401 on every route without the token, and with a wrong one', async () => {
    for (const [method, path] of ROUTES) {
      const reply = await http(daemon, path, { method, anonymous: true })
      expect([path, reply.status]).toEqual([path, 401])
      expect(reply.json()).toEqual({ error: 401, msg: 'missing or wrong bearer token' })
      const wrong = await http(daemon, path, {
        method,
        anonymous: true,
        headers: { Authorization: 'Bearer nope' },
      })
      expect([path, wrong.status]).toEqual([path, 401])
    }
    const tunnel = await rawRequest(
      daemon.port,
      `GET /tunnel/x HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\n\r\n`,
    )
    expect(tunnel.startsWith('HTTP/1.1 401')).toBe(true)
    expect((await http(daemon, '/version')).status).toBe(200)
  })

  it('answers 403 to a foreign Origin and to a Host that is not a loopback name', async () => {
    for (const origin of [
      'http://evil.example',
      'null',
      `http://127.0.0.1:${daemon.port + 1}`,
      `https://127.0.0.1:${daemon.port}`,
    ]) {
      const reply = await http(daemon, '/version', { headers: { Origin: origin } })
      expect([origin, reply.status]).toEqual([origin, 403])
    }
    for (const host of [
      'evil.example',
      `evil.example:${daemon.port}`,
      `127.0.0.1.nip.io:${daemon.port}`,
      `127.0.0.1:${daemon.port + 1}`,
    ]) {
      const reply = await http(daemon, '/version', { headers: { Host: host } })
      expect([host, reply.status]).toEqual([host, 403])
    }
    const own = await http(daemon, '/version', {
      headers: { Origin: `http://localhost:${daemon.port}`, Host: `localhost:${daemon.port}` },
    })
    expect(own.status).toBe(200)
    const tunnel = await rawRequest(
      daemon.port,
      `GET /tunnel/x HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${daemon.token}\r\n\r\n`,
    )
    expect(tunnel.startsWith('HTTP/1.1 403')).toBe(true)
  })

  it('refuses bodies above --max-body, declared or streamed', async () => {
    const declared = await http(daemon, '/binary/x', { method: 'POST', body: Buffer.alloc(4097) })
    expect(declared.status).toBe(413)
    expect(declared.json()).toEqual({ error: 413, msg: 'body larger than 4096 bytes' })
    const chunked = await rawRequest(
      daemon.port,
      `POST /binary/x HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nAuthorization: Bearer ${daemon.token}\r\nTransfer-Encoding: chunked\r\n\r\n1400\r\n${'a'.repeat(0x1400)}\r\n0\r\n\r\n`,
    )
    expect(chunked.startsWith('HTTP/1.1 413')).toBe(true)
    const small = await http(daemon, '/binary/x', { method: 'POST', body: Buffer.alloc(100) })
    expect(small.json()).toEqual({ error: 7, msg: 'con x does not exist' })
  })

  it('sets the dashboard cookie only for the right token, and keeps internals out of errors', async () => {
    expect((await http(daemon, '/login?token=wrong', { anonymous: true })).status).toBe(401)
    const login = await http(daemon, `/login?token=${daemon.token}`, { anonymous: true })
    expect(login.status).toBe(303)
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    expect((await http(daemon, '/', { anonymous: true, headers: { Cookie: cookie } })).status).toBe(200)
    for (const path of [
      '/open/bad/ip4/127.0.0.1/tcp/1',
      '/open/x/not-an-address',
      '/recv/x?pattern=(',
      '/info/%E0%A4%A',
      '/no/such',
    ]) {
      const reply = await http(daemon, path)
      const body = reply.body.toString('utf8')
      expect(Object.keys(reply.json()).sort()).toEqual(['error', 'msg'])
      expect(body).not.toMatch(/\bat \S+:\d+|node_modules|\/src\/|Error:/)
    }
  })
})

describe('security checks as functions', () => {
  it('accepts loopback names with the right port only', () => {
    expect(loopbackHost('127.0.0.1:8080', 8080)).toBe(true)
    expect(loopbackHost('LOCALHOST', 8080)).toBe(true)
    expect(loopbackHost('[::1]:8080', 8080)).toBe(true)
    expect(loopbackHost('[::1]:8081', 8080)).toBe(false)
    expect(loopbackHost('localhost.evil.example', 8080)).toBe(false)
    expect(loopbackHost(undefined, 8080)).toBe(false)
    expect(ownOrigin(undefined, 1)).toBe(true)
    expect(ownOrigin('http://127.0.0.1:1', 1)).toBe(true)
    expect(ownOrigin('http://127.0.0.1', 1)).toBe(false)
    expect(checkRequest({ host: '127.0.0.1:1', cookie: 'a=b; weft_token=t0k' }, 't0k', 1)).toBeUndefined()
    expect(checkRequest({ host: '127.0.0.1:1', authorization: 'Bearer t0k' }, 't0k', 1)).toBeUndefined()
    expect(checkRequest({ host: '127.0.0.1:1', authorization: 'Basic t0k' }, 't0k', 1)?.status).toBe(401)
  })
})
