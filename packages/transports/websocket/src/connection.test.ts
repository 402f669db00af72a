import type { StreamCloseEvent } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { logger } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocketConnection, type WebSocketConnectionInit } from './connection.js'
import type { SocketDriver, SocketEvents } from './socket-driver.js'

/** A socket driver that records what the connection does and lets the test play the remote. */
class FakeDriver implements SocketDriver {
  sent: Uint8Array[] = []
  closes: Array<{ code: number; reason: string }> = []
  terminated = 0
  paused = false
  bufferedAmount = 0
  isOpen = true
  events!: SocketEvents

  constructor(readonly reportsWrites: boolean) {}

  send(data: Uint8Array): void {
    this.sent.push(data)
    this.bufferedAmount += data.byteLength
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason })
    this.isOpen = false
  }
  terminate(): void {
    this.terminated++
    this.isOpen = false
  }
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
  }
  attach(events: SocketEvents): void {
    this.events = events
  }
  /** the remote took every buffered byte */
  flushAll(): void {
    this.bufferedAmount = 0
    this.events.onWritten()
  }
  /** the socket closed with `code` */
  closed(code: number, reason = ''): void {
    this.isOpen = false
    this.events.onClose(code, reason)
  }
}

function connection(driver: FakeDriver, init: Partial<WebSocketConnectionInit> = {}): WebSocketConnection {
  return new WebSocketConnection({
    driver,
    remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1/ws'),
    direction: 'outbound',
    log: logger('test:websocket'),
    inactivityTimeout: 0,
    closeTimeout: 200,
    maxBufferedAmount: 1000,
    bufferedAmountPollInterval: 5,
    maxMessageSize: 4096,
    maxPayload: 2048,
    maxReadBufferLength: 10_000,
    ...init,
  })
}

function closeEvent(conn: WebSocketConnection): Promise<StreamCloseEvent> {
  return new Promise((resolve) => conn.addEventListener('close', resolve, { once: true }))
}

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)

afterEach(() => {
  vi.useRealTimers()
})

describe('WebSocketConnection sending', () => {
  it('sends a single chunk as one message without copying', () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const data = bytes(100)
    expect(conn.send(data)).toBe(true)
    expect(driver.sent).toHaveLength(1)
    expect(driver.sent[0]).toBe(data)
  })

  it('joins small multi-chunk writes into one message and sends large ones chunk by chunk', () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver, { maxBufferedAmount: 1_000_000, maxMessageSize: 1_000_000 })
    conn.send(new Uint8ArrayList(bytes(12, 1), bytes(20, 2)))
    expect(driver.sent.map((m) => m.byteLength)).toEqual([32])
    driver.sent = []
    const big = new Uint8ArrayList(bytes(12, 1), bytes(20_000, 2), bytes(30_000, 3))
    conn.send(big)
    expect(driver.sent.map((m) => m.byteLength)).toEqual([12, 20_000, 30_000])
  })

  it('splits writes above maxMessageSize', () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver, { maxMessageSize: 1000, maxBufferedAmount: 100_000 })
    conn.send(bytes(2500))
    expect(driver.sent.map((m) => m.byteLength)).toEqual([1000, 1000, 500])
  })

  it('reports back-pressure above maxBufferedAmount and drains once written (Node drivers)', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    expect(conn.send(bytes(1500))).toBe(false)
    expect(conn.writableNeedsDrain).toBe(true)
    // more writes wait in the connection, not in the socket
    expect(conn.send(bytes(100))).toBe(false)
    expect(driver.sent).toHaveLength(1)
    const drained = conn.onDrain()
    driver.bufferedAmount = 600 // above half: not yet
    driver.events.onWritten()
    expect(conn.writableNeedsDrain).toBe(true)
    driver.flushAll()
    await drained
    expect(driver.sent.map((m) => m.byteLength)).toEqual([1500, 100])
    expect(conn.writableNeedsDrain).toBe(false)
  })

  it('polls bufferedAmount while back-pressured when the driver reports no writes (browsers)', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(false)
    const conn = connection(driver, { bufferedAmountPollInterval: 10 })
    expect(conn.send(bytes(1500))).toBe(false)
    let drained = false
    conn.addEventListener('drain', () => {
      drained = true
    })
    await vi.advanceTimersByTimeAsync(50)
    expect(drained).toBe(false)
    driver.bufferedAmount = 400
    await vi.advanceTimersByTimeAsync(10)
    expect(drained).toBe(true)
    // the poll stops once drained
    expect(vi.getTimerCount()).toBe(0)
  })

  it('holds the writer while the remote closes, then fails its wait for drain', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    driver.isOpen = false // the remote's close frame arrived
    expect(conn.send(bytes(10))).toBe(false)
    expect(driver.sent).toEqual([])
    const drain = conn.onDrain()
    driver.closed(1001)
    await expect(drain).rejects.toHaveProperty('name', 'StreamClosedError')
    expect(conn.status).toBe('closed')
  })

  it('drops the socket if the remote starts a close and never finishes it', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(true)
    const conn = connection(driver, { closeTimeout: 200 })
    driver.isOpen = false
    conn.send(bytes(10))
    await vi.advanceTimersByTimeAsync(200)
    expect(driver.terminated).toBe(1)
  })
})

describe('WebSocketConnection receiving', () => {
  it('delivers binary messages as bytes', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const received = new Uint8ArrayList()
    conn.addEventListener('message', (evt) => received.append(evt.data))
    driver.events.onMessage(bytes(10, 4))
    driver.events.onMessage(bytes(5, 5))
    expect(received.byteLength).toBe(15)
    expect(received.get(14)).toBe(5)
  })

  it('pauses the socket while the reader is paused or unread bytes pile up', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver, { maxReadBufferLength: 10_000 })
    conn.pause()
    expect(driver.paused).toBe(true)
    conn.resume()
    expect(driver.paused).toBe(false)
    // nobody listens: bytes wait, and past half the limit the socket stops
    driver.events.onMessage(bytes(2000))
    expect(driver.paused).toBe(false)
    driver.events.onMessage(bytes(2000))
    driver.events.onMessage(bytes(2000))
    expect(driver.paused).toBe(true)
    const received = new Uint8ArrayList()
    conn.addEventListener('message', (evt) => received.append(evt.data))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(received.byteLength).toBe(6000)
    expect(driver.paused).toBe(false)
  })

  it('aborts on a message over maxPayload with code 1009', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver, { maxPayload: 100 })
    const closed = closeEvent(conn)
    driver.events.onMessage(bytes(101))
    const { error } = await closed
    expect(error?.name).toBe('MessageTooLargeError')
    expect(error?.message).toMatch(/101 bytes exceeds the limit of 100/)
    expect(driver.closes).toEqual([{ code: 1009, reason: 'MessageTooLargeError' }])
  })

  it('aborts on a text message with code 1003', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const closed = closeEvent(conn)
    driver.events.onInvalidMessage('a text message of 3 bytes')
    const { error } = await closed
    expect(error?.name).toBe('InvalidMessageError')
    expect(error?.message).toBe('expected binary WebSocket messages, got a text message of 3 bytes')
    expect(driver.closes[0]?.code).toBe(1003)
  })
})

describe('WebSocketConnection closing', () => {
  it('close() sends 1000 after queued bytes and completes when the socket closes', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver, { closeTimeout: 5_000 })
    conn.send(bytes(1500))
    const closing = conn.close()
    expect(conn.status).toBe('closing')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(driver.closes).toEqual([]) // still waiting for the bytes to leave
    driver.flushAll()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(driver.closes).toEqual([{ code: 1000, reason: '' }])
    driver.closed(1000)
    await closing
    expect(conn.status).toBe('closed')
    expect(driver.terminated).toBe(0)
  })

  it('sends the code and reason close() is given', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const closing = conn.close({ code: 1001, reason: 'listener closed' })
    await new Promise((resolve) => setTimeout(resolve, 0))
    driver.closed(1001)
    await closing
    expect(driver.closes).toEqual([{ code: 1001, reason: 'listener closed' }])
  })

  it('drops the socket when the remote does not answer a close within closeTimeout', async () => {
    const driver = new FakeDriver(true)
    driver.terminate = () => {
      driver.terminated++
      driver.closed(1006)
    }
    const conn = connection(driver, { closeTimeout: 100 })
    const started = Date.now()
    await conn.close()
    expect(Date.now() - started).toBeGreaterThanOrEqual(80)
    expect(driver.terminated).toBe(1)
    expect(conn.status).toBe('closed')
  })

  it('takes the remote 1000, 1001 or 1005 as a clean close', async () => {
    for (const code of [1000, 1001, 1005]) {
      const driver = new FakeDriver(true)
      const conn = connection(driver)
      const closed = closeEvent(conn)
      let remoteCloseWrite = false
      conn.addEventListener('remoteCloseWrite', () => {
        remoteCloseWrite = true
      })
      driver.closed(code)
      expect((await closed).error).toBeUndefined()
      expect(remoteCloseWrite).toBe(true)
      expect(conn.status).toBe('closed')
    }
  })

  it('takes any other code as a reset naming the code and reason', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const closed = closeEvent(conn)
    driver.closed(4000, 'StreamBufferError')
    const { error } = await closed
    expect(conn.status).toBe('reset')
    expect(error?.name).toBe('StreamResetError')
    expect(error?.message).toBe('the remote closed the WebSocket with code 4000 (aborted): StreamBufferError')
  })

  it('keeps bytes that arrived before a remote close readable', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    driver.events.onMessage(bytes(10))
    driver.closed(1000)
    const received = new Uint8ArrayList()
    for await (const chunk of conn) received.append(chunk)
    expect(received.byteLength).toBe(10)
  })

  it('abort() sends 4000 and drops the socket if no close answers in time', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(true)
    const conn = connection(driver, { closeTimeout: 200 })
    conn.abort(new Error('boom'))
    expect(conn.status).toBe('aborted')
    expect(driver.closes).toEqual([{ code: 4000, reason: 'Error' }])
    await vi.advanceTimersByTimeAsync(199)
    expect(driver.terminated).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(driver.terminated).toBe(1)
  })

  it('abort() leaves no timer once the socket closes', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(true)
    const conn = connection(driver, { closeTimeout: 200, inactivityTimeout: 1_000 })
    conn.abort(new Error('boom'))
    driver.closed(4000)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a socket error aborts with that error', async () => {
    const driver = new FakeDriver(true)
    const conn = connection(driver)
    const closed = closeEvent(conn)
    const err = new Error('EPIPE')
    driver.events.onError(err)
    expect((await closed).error).toBe(err)
  })
})

describe('WebSocketConnection inactivity', () => {
  it('aborts with a TimeoutError and code 4001 after inactivityTimeout without messages', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(true)
    const conn = connection(driver, { inactivityTimeout: 1_000 })
    const closed = closeEvent(conn)
    // traffic keeps it alive
    for (let i = 0; i < 6; i++) {
      await vi.advanceTimersByTimeAsync(400)
      driver.events.onMessage(bytes(1))
    }
    expect(conn.status).toBe('open')
    await vi.advanceTimersByTimeAsync(1_500)
    expect(conn.status).toBe('aborted')
    const { error } = await closed
    expect(error?.name).toBe('TimeoutError')
    expect(driver.closes[0]?.code).toBe(4001)
  })

  it('also aborts a connection whose remote stopped reading: unsent bytes are no traffic', async () => {
    vi.useFakeTimers()
    const driver = new FakeDriver(true)
    const conn = connection(driver, { inactivityTimeout: 1_000 })
    expect(conn.send(bytes(5_000))).toBe(false)
    expect(conn.send(bytes(5_000))).toBe(false)
    // bytes leaving keep it alive
    await vi.advanceTimersByTimeAsync(900)
    driver.bufferedAmount = 4_000
    driver.events.onWritten()
    await vi.advanceTimersByTimeAsync(900)
    expect(conn.status).toBe('open')
    await vi.advanceTimersByTimeAsync(1_500)
    expect(conn.status).toBe('aborted')
  })
})
