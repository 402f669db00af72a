/**
 * Acceptance 1: two daemons as child processes on loopback, driven by plain
 * node:http requests shaped as P2PD 3.1.9's rest_api.py handlers answer
 * them (HTTP 200, an `error` field, the same keys): /open one to the other,
 * /send + /recv, /sub patterns, /binary both ways, the /p2p/ names, and a
 * /tunnel carrying 64 MiB each way byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, type DaemonProcess, http, startDaemonProcess, tempDir } from './helpers.js'

const MiB = 1024 * 1024

describe('P2PD routes between two weft daemons', () => {
  const temp = tempDir('rest')
  let alice: DaemonProcess
  let bob: DaemonProcess

  beforeAll(async () => {
    const bin = bundleCli(temp.dir)
    ;[alice, bob] = await Promise.all([
      startDaemonProcess(bin, temp.dir, 'alice'),
      startDaemonProcess(bin, temp.dir, 'bob'),
    ])
  }, 120_000)

  afterAll(async () => {
    expect(await alice?.stop()).toBe(0)
    expect(await bob?.stop()).toBe(0)
    temp.remove()
  })

  it('answers /version, /ifs and /addr', async () => {
    const version = (await http(alice, '/version')).json()
    expect(version).toMatchObject({ error: 0, title: 'weft', version: '3.0.0' })
    const ifs = (await http(alice, '/ifs')).json()
    expect(ifs.error).toBe(0)
    expect(
      ifs.ifs.some((entry: { addrs: Array<{ address: string }> }) =>
        entry.addrs.some((a) => a.address === '127.0.0.1'),
      ),
    ).toBe(true)
    const addr = (await http(bob, '/addr')).json()
    expect(addr).toMatchObject({ error: 0, addr: bob.addrs[0], peer: bob.peerId })
  })

  it('opens a named connection, sends and receives text, filters by a sub pattern', async () => {
    const opened = await http(alice, `/open/chat${bob.addrs[0]}`)
    expect(opened.status).toBe(200)
    expect(opened.json()).toMatchObject({
      error: 0,
      name: 'chat',
      peer: bob.peerId,
      raddr: [
        '127.0.0.1',
        bob.addrs[0]!.split('/')[4] !== undefined ? Number(bob.addrs[0]!.split('/')[4]) : 0,
      ],
    })
    expect((await http(alice, `/open/chat${bob.addrs[0]}`)).json()).toEqual({
      error: 2,
      msg: 'Con name already exists.',
    })
    expect((await http(bob, '/info/chat')).json()).toMatchObject({
      error: 0,
      name: 'chat',
      peer: alice.peerId,
    })

    const sent = (await http(alice, '/send/chat/hello%20bob')).json()
    expect(sent).toEqual({ con_name: 'chat', error: 0, sent: 9 })
    await http(alice, '/send/chat/ping%201')
    await http(alice, '/send/chat/pong%202')
    const received = (await http(bob, '/recv/chat/timeout/5')).json()
    expect(received).toMatchObject({ con_name: 'chat', error: 0, data: 'hello bob' })
    expect(received.client_tup).toEqual(['127.0.0.1', expect.any(Number)])

    expect((await http(bob, '/sub/chat/name/pongs/msg_p/^pong')).json()).toMatchObject({
      error: 0,
      con_name: 'chat',
      sub_name: 'pongs',
    })
    expect((await http(bob, '/sub/chat/name/pongs/msg_p/x')).json()).toEqual({
      error: 9,
      msg: 'sub name already exists.',
    })
    expect((await http(bob, '/sub/chat/name/all/msg_p/x')).json()).toEqual({
      error: 10,
      msg: 'reserved sub name',
    })
    expect((await http(bob, '/recv/chat/name/pongs/timeout/5')).json()).toMatchObject({
      error: 0,
      data: 'pong 2',
    })
    expect((await http(bob, '/recv/chat?pattern=^ping&timeout=5')).json()).toMatchObject({
      error: 0,
      data: 'ping 1',
    })
    expect((await http(bob, '/recv/chat/timeout/0.2')).json()).toEqual({ error: 5, msg: 'recv timeout' })
    expect((await http(bob, '/sub/chat/name/pongs', { method: 'DELETE' })).json()).toMatchObject({
      error: 0,
      unsub: 'pongs',
    })
    expect((await http(bob, '/recv/nobody')).json()).toEqual({ error: 7, msg: 'con nobody does not exist' })
  })

  it('carries /binary both ways and answers the /p2p/ names', async () => {
    const payload = randomBytes(200_000)
    const posted = await http(alice, '/binary/chat', {
      method: 'POST',
      body: payload,
      headers: { 'Content-Type': 'application/octet-stream' },
    })
    expect(posted.json()).toEqual({ con_name: 'chat', error: 0, sent: payload.byteLength })
    const got = await http(bob, '/binary/chat/timeout/5')
    expect(got.headers['content-type']).toBe('application/octet-stream')
    expect(got.body.byteLength).toBe(payload.byteLength)
    expect(Buffer.compare(got.body, payload)).toBe(0)
    expect((await http(bob, '/binary/chat/timeout/0.2')).json()).toEqual({
      error: 6,
      msg: 'recv buffer empty.',
    })

    await http(bob, '/p2p/send/chat/back', {})
    expect((await http(alice, '/p2p/recv/chat/timeout/5')).json()).toMatchObject({ error: 0, data: 'back' })
    expect((await http(alice, '/p2p/con/chat')).json()).toMatchObject({ error: 0, name: 'chat' })
    expect((await http(alice, `/p2p/open/old${bob.addrs[0]}`)).json()).toMatchObject({
      error: 0,
      name: 'old',
    })
    expect((await http(alice, '/close/old')).json()).toEqual({ closed: 'old', error: 0 })
    expect((await http(alice, '/info/old')).json()).toEqual({ error: 7, msg: 'con old does not exist' })
    expect((await http(alice, '/open/bad/ip4/127.0.0.1/tcp/1')).json()).toEqual({
      error: 3,
      msg: 'Con bad failed connect.',
    })
  })

  it('lets a tunnel wait for a name the other daemon has not announced yet', async () => {
    // bob's tunnel is asked for first; alice opens the connection afterwards
    const early = openTunnel(bob, '/tunnel/late')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await http(alice, `/open/late${bob.addrs[0]}`)).json()).toMatchObject({ error: 0 })
    const [a, b] = await Promise.all([openTunnel(alice, '/tunnel/late'), early])
    const [fromA, fromB] = await Promise.all([exchange(a, 2 * MiB, 3), exchange(b, 2 * MiB, 4)])
    expect(fromA.receivedHash).toBe(fromB.sentHash)
    expect(fromB.receivedHash).toBe(fromA.sentHash)
    a.destroy()
    b.destroy()
  }, 60_000)

  it('answers a tunnel to an unknown name and closes it while the client is still writing', async () => {
    const socket = await openTunnel(alice, '/tunnel/nosuch')
    let answer = ''
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
    })
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {})
    // far more than the socket buffers hold: the daemon must read and drop it
    const block = Buffer.alloc(MiB)
    for (let i = 0; i < 32 && !socket.destroyed; i++)
      if (!socket.write(block)) await Promise.race([once(socket, 'drain'), closed])
    socket.end()
    await closed
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(answer).toContain('con nosuch does not exist')
  }, 60_000)

  it('turns two HTTP connections into a pipe carrying 64 MiB each way byte for byte', async () => {
    expect((await http(alice, `/open/pipe${bob.addrs[0]}`)).json()).toMatchObject({ error: 0 })
    const [a, b] = await Promise.all([openTunnel(alice, '/tunnel/pipe'), openTunnel(bob, '/p2p/pipe/pipe')])
    const [fromA, fromB] = await Promise.all([exchange(a, 64 * MiB, 1), exchange(b, 64 * MiB, 2)])
    expect(fromA.receivedHash).toBe(fromB.sentHash)
    expect(fromB.receivedHash).toBe(fromA.sentHash)
    expect(fromA.received).toBe(64 * MiB)
    expect(fromB.received).toBe(64 * MiB)
    a.destroy()
    b.destroy()
  }, 240_000)
})

function openTunnel(daemon: DaemonProcess, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(daemon.port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nAuthorization: Bearer ${daemon.token}\r\n\r\n`,
      )
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Writes `total` bytes (1 MiB blocks, each numbered) while reading `total` bytes; hashes both. */
async function exchange(socket: Socket, total: number, seed: number) {
  const block = randomBytes(MiB)
  block[0] = seed
  const sent = createHash('sha256')
  const received = createHash('sha256')
  let count = 0
  const reading = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received.update(chunk)
      count += chunk.byteLength
      if (count >= total) resolve()
    })
    socket.once('error', reject)
    socket.once('close', () =>
      count >= total ? resolve() : reject(new Error(`closed after ${count} bytes`)),
    )
  })
  const writing = (async () => {
    for (let i = 0; i < total / MiB; i++) {
      block.writeUInt32BE(i, 1)
      sent.update(block)
      if (!socket.write(Buffer.from(block))) await new Promise((resolve) => socket.once('drain', resolve))
    }
  })()
  // both awaited together: a reset while still writing fails the test instead of going unhandled
  await Promise.all([reading, writing])
  return { sentHash: sent.digest('hex'), receivedHash: received.digest('hex'), received: count }
}
