import type { MultiaddrConnection } from '@libp2p/interface'
import { delay } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { bytes, closeEvent, Harness, waitFor } from './fixtures/helpers.js'

const MiB = 1024 * 1024

function eventOnce(conn: MultiaddrConnection, type: 'remoteCloseWrite' | 'end' | 'drain'): Promise<void> {
  return new Promise((resolve) => conn.addEventListener(type, () => resolve(), { once: true }))
}

/** Sends `total` bytes in 64 KiB writes, waiting for drain; resolves with how many went out. */
async function pump(conn: MultiaddrConnection, total: number, fill = 5): Promise<number> {
  const chunk = bytes(64 * 1024, fill)
  let sent = 0
  while (sent < total) {
    const size = Math.min(chunk.byteLength, total - sent)
    const more = conn.send(chunk.subarray(0, size))
    sent += size
    if (!more) await conn.onDrain({ signal: AbortSignal.timeout(10_000) })
  }
  return sent
}

describe('websocket connection', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('closes with 1000: the remote sees remoteCloseWrite and a clean close, promptly', async () => {
    harness = new Harness({ closeTimeout: 5_000 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const received = new Uint8ArrayList()
    inbound.addEventListener('message', (evt) => received.append(evt.data))
    const remoteCloseWrite = eventOnce(inbound, 'remoteCloseWrite')
    const inboundClosed = closeEvent(inbound)
    outbound.send(bytes(100_000))
    const started = Date.now()
    await outbound.close()
    await remoteCloseWrite
    const evt = await inboundClosed
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(evt.error).toBeUndefined()
    expect(received.byteLength).toBe(100_000)
    expect(outbound.status).toBe('closed')
    expect(inbound.status).toBe('closed')
    expect(typeof outbound.timeline.close).toBe('number')
  })

  it('an abort reaches the remote as a reset naming code 4000', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const inboundClosed = closeEvent(inbound)
    outbound.abort(new Error('gave up'))
    const evt = await inboundClosed
    expect(inbound.status).toBe('reset')
    expect(evt.error?.name).toBe('StreamResetError')
    expect(evt.error?.message).toBe('the remote closed the WebSocket with code 4000 (aborted): Error')
  })

  it('a paused reader stalls the sender through the socket, and every byte arrives after resume', async () => {
    harness = new Harness({ maxReadBufferLength: 2 * MiB, maxBufferedAmount: 256 * 1024 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const received = new Uint8ArrayList()
    inbound.addEventListener('message', (evt) => received.append(evt.data))
    inbound.pause()
    const total = 32 * MiB
    let sent = 0
    const sending = (async () => {
      const chunk = bytes(64 * 1024, 6)
      while (sent < total) {
        const more = outbound.send(chunk)
        sent += chunk.byteLength
        if (!more) await outbound.onDrain({ signal: AbortSignal.timeout(20_000) })
      }
    })()
    await delay(500)
    // the sender is held back: neither side buffers without bound, nothing aborted
    expect(sent).toBeLessThan(total)
    expect(outbound.writableNeedsDrain).toBe(true)
    expect(inbound.readBufferLength).toBeLessThanOrEqual(2 * MiB)
    expect(inbound.status).toBe('open')
    inbound.resume()
    await sending
    await waitFor(() => received.byteLength === total, 20_000)
    expect(received.get(total - 1)).toBe(6)
  })

  it('aborts on a message over maxPayload: 1009 to the sender, MessageTooLargeError here', async () => {
    harness = new Harness({ maxPayload: 64 * 1024 })
    const { addr } = await harness.listen()
    const sender = new Harness({ maxMessageSize: 1024 * 1024 })
    const connection = (await sender.transport.dial(addr, {
      upgrader: sender.upgrader,
      signal: AbortSignal.timeout(5_000),
    })) as unknown as { maConn: MultiaddrConnection }
    const outbound = connection.maConn
    sender.track(outbound)
    const inbound = await harness.upgrader.nextInbound()
    harness.track(inbound)
    const inboundClosed = closeEvent(inbound)
    const outboundClosed = closeEvent(outbound)
    outbound.send(bytes(100 * 1024))
    const here = await inboundClosed
    expect(here.error?.name).toBe('MessageTooLargeError')
    expect(here.error?.message).toMatch(/limit of 65536 bytes/)
    const there = await outboundClosed
    expect(there.error?.name).toBe('StreamResetError')
    expect(there.error?.message).toMatch(/code 1009 \(message too big\)/)
    await sender.cleanup()
  })

  it('aborts on a text message with InvalidMessageError and answers 1003', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const port = Number(addr.toString().split('/')[4])
    const client = new WebSocket(`ws://127.0.0.1:${port}/`)
    await new Promise((resolve, reject) => {
      client.once('open', resolve)
      client.once('error', reject)
    })
    const inbound = await harness.upgrader.nextInbound()
    harness.track(inbound)
    const inboundClosed = closeEvent(inbound)
    const clientClosed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
    client.send('not binary')
    const evt = await inboundClosed
    expect(evt.error?.name).toBe('InvalidMessageError')
    expect(evt.error?.message).toMatch(/expected binary WebSocket messages, got a text message of 10 bytes/)
    expect(await clientClosed).toBe(1003)
  })

  it('a listener closed mid-transfer closes with 1001; both sides end with clean errors, no socket left', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const second = await harness.connect(addr)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    second.inbound.addEventListener('message', () => {})
    const outboundClosed = closeEvent(outbound)
    const secondClosed = closeEvent(second.outbound)
    const inboundClosed = closeEvent(inbound)
    const transfer = pump(outbound, 256 * MiB).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    await waitFor(() => received > MiB)
    await listener.close()
    // the listener side: its connections closed cleanly, not reset
    expect((await inboundClosed).error).toBeUndefined()
    expect(inbound.status).toBe('closed')
    // the dialer side: a clean close (code 1001), and the transfer fails with a named error
    expect((await outboundClosed).error).toBeUndefined()
    expect((await secondClosed).error).toBeUndefined()
    const err = await transfer
    expect(err).toBeInstanceOf(Error)
    expect(['StreamStateError', 'StreamClosedError']).toContain(err?.name)
    expect(listener.getAddrs()).toEqual([])
  })

  it('aborts a connection idle for inboundSocketInactivityTimeout; the dialer sees code 4001', async () => {
    harness = new Harness({ inboundSocketInactivityTimeout: 300, outboundSocketInactivityTimeout: 0 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const inboundClosed = closeEvent(inbound)
    const outboundClosed = closeEvent(outbound)
    const started = Date.now()
    expect((await inboundClosed).error?.name).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect((await outboundClosed).error?.message).toMatch(/code 4001 \(idle timeout\)/)
  })
})
