import { createSocket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ClientClosedError,
  ErrorResponseError,
  encodeMessage,
  isStunMessage,
  newTransactionId,
  openUdpClient,
  retransmissionSchedule,
  TcpClient,
  TooManyTransactionsError,
  TransactionTimeoutError,
  UdpClient,
} from '../src/index.js'
import { TestStunServer } from './stun-server.js'

const servers: TestStunServer[] = []
const clients: Array<{ close(): void }> = []

async function server(options?: Parameters<typeof TestStunServer.start>[0]): Promise<TestStunServer> {
  const s = await TestStunServer.start(options)
  servers.push(s)
  return s
}

async function client(init?: Parameters<typeof openUdpClient>[0]): Promise<UdpClient> {
  const c = await openUdpClient({ address: '127.0.0.1', ...init })
  clients.push(c)
  return c
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const s of servers.splice(0)) await s.close()
})

describe('the retransmission schedule', () => {
  it('follows RFC 8489 §6.2.1 with the defaults', () => {
    expect(retransmissionSchedule()).toEqual({
      sendAt: [0, 500, 1500, 3500, 7500, 15500, 31500],
      deadline: 39500,
    })
  })
  it('takes Rc, Rm and RTO', () => {
    expect(retransmissionSchedule({ rto: 100, maxRequests: 3, lastWaitMultiplier: 2 })).toEqual({
      sendAt: [0, 100, 300],
      deadline: 500,
    })
    expect(() => retransmissionSchedule({ rto: 0 })).toThrow(RangeError)
    expect(() => retransmissionSchedule({ maxRequests: 1.5 })).toThrow(RangeError)
  })
})

describe('UdpClient', () => {
  it('learns its mapped address and the server alternate address', async () => {
    const s = await server()
    const c = await client()
    const response = await c.request(s.primary)
    expect(response.mapped).toEqual({ family: 4, address: '127.0.0.1', port: c.socket.address().port })
    expect(response.from).toEqual({ family: 4, ...s.primary })
  })

  it('retransmits Rc times with RTO doubling, then times out and leaves no timer', async () => {
    const s = await server({ silent: true })
    const c = await client({ rto: 20, maxRequests: 4, lastWaitMultiplier: 2 })
    const before = timers()
    const started = Date.now()
    await expect(c.request(s.primary)).rejects.toThrow(TransactionTimeoutError)
    const elapsed = Date.now() - started
    expect(s.requests).toBe(4)
    // sends at 0, 20, 60, 140; times out at 180
    expect(elapsed).toBeGreaterThanOrEqual(170)
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('ignores responses with unknown transaction ids', async () => {
    const s = await server()
    const c = await client({ rto: 50 })
    const stranger = createSocket('udp4')
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve))
    const forged = encodeMessage(
      { method: 1, class: 'success', transactionId: newTransactionId(), attributes: [] },
      { fingerprint: true },
    )
    stranger.send(forged, c.socket.address().port, '127.0.0.1')
    const response = await c.request(s.primary)
    expect(response.mapped?.port).toBe(c.socket.address().port)
    stranger.close()
  })

  it('stops on abort and on close', async () => {
    const s = await server({ silent: true })
    const c = await client()
    const controller = new AbortController()
    const pending = c.request(s.primary, { signal: controller.signal })
    controller.abort(new Error('enough'))
    await expect(pending).rejects.toThrow('enough')
    const second = c.request(s.primary)
    c.close()
    await expect(second).rejects.toThrow(ClientClosedError)
  })

  it('bounds the transactions in flight', async () => {
    const s = await server({ silent: true })
    const c = await client({ maxPendingTransactions: 2, rto: 10, maxRequests: 1, lastWaitMultiplier: 5 })
    const a = c.request(s.primary)
    const b = c.request(s.primary)
    await expect(c.request(s.primary)).rejects.toThrow(TooManyTransactionsError)
    await expect(a).rejects.toThrow(TransactionTimeoutError)
    await expect(b).rejects.toThrow(TransactionTimeoutError)
  })

  it('shares a socket the host owns: the host hands STUN datagrams to receive()', async () => {
    const s = await server()
    const socket = createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const c = new UdpClient({ socket, listen: false })
    const hostDatagrams: string[] = []
    socket.on('message', (data, rinfo) => {
      if (!c.receive(data, rinfo)) hostDatagrams.push(data.toString())
    })
    const other = createSocket('udp4')
    await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve))
    other.send('not stun', socket.address().port, '127.0.0.1')
    const response = await c.request(s.primary)
    expect(response.mapped?.port).toBe(socket.address().port)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(hostDatagrams).toEqual(['not stun'])
    expect(isStunMessage(new TextEncoder().encode('not stun'))).toBe(false)
    c.close()
    // the socket stays the host's
    expect(() => socket.address()).not.toThrow()
    socket.close()
    other.close()
  })

  it('signs with short-term credentials and checks the response', async () => {
    const key = new TextEncoder().encode('secret')
    const s = await server({ key })
    const c = await client()
    const response = await c.request(s.primary, { integrity: { key }, rto: 50 })
    expect(response.mapped).toBeDefined()
    const err = await c
      .request(s.primary, { integrity: { key: new TextEncoder().encode('nope') }, rto: 50, maxRequests: 2 })
      .catch((e) => e)
    expect(err).toBeInstanceOf(ErrorResponseError)
    expect(err.code).toBe(401)
  })

  it('honours CHANGE-REQUEST (the answer comes from the other address)', async () => {
    const s = await server()
    const c = await client()
    const response = await c.request(s.primary, {
      attributes: [{ type: 'change-request', changeIp: true, changePort: true }],
    })
    expect(response.from.address).toBe('127.0.0.2')
    expect(response.from.port).not.toBe(s.primary.port)
  })
})

describe('TcpClient', () => {
  it('runs transactions over a stream', async () => {
    const s = await server()
    const c = await TcpClient.connect(s.primary)
    clients.push(c)
    const [a, b] = await Promise.all([c.request(), c.request()])
    expect(a.mapped?.port).toBe(c.socket.localPort)
    expect(b.mapped?.port).toBe(c.socket.localPort)
  })

  it('times out with Ti and fails pending transactions on close', async () => {
    const s = await server({ silent: true })
    const c = await TcpClient.connect(s.primary, { timeout: 50 })
    clients.push(c)
    await expect(c.request()).rejects.toThrow(TransactionTimeoutError)
    const pending = c.request({ timeout: 5_000 })
    c.close()
    await expect(pending).rejects.toThrow(ClientClosedError)
  })
})
