import { bytes, closeEvent, eventOnce, waitFor } from '@weft/testkit'
import { delay } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './fixtures/harness.js'

const MiB = 1024 * 1024

describe('tcp connection', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('reports the remote FIN as remoteCloseWrite, then both ends close cleanly and promptly', async () => {
    harness = new Harness({ closeTimeout: 10_000 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const received = new Uint8ArrayList()
    inbound.addEventListener('message', (evt) => received.append(evt.data))
    const remoteCloseWrite = eventOnce(inbound, 'remoteCloseWrite')
    const inboundClosed = closeEvent(inbound)
    outbound.send(bytes(1000))
    const started = Date.now()
    await outbound.close()
    await remoteCloseWrite
    const evt = await inboundClosed
    // the remote answered our FIN with its own: no wait for the close timeout
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(evt.error).toBeUndefined()
    expect(received.byteLength).toBe(1000)
    expect(inbound.remoteWriteStatus).toBe('closed')
    expect(outbound.status).toBe('closed')
    expect(inbound.status).toBe('closed')
    expect(typeof outbound.timeline.close).toBe('number')
  })

  it('keeps a half-open connection writable with allowHalfOpen', async () => {
    harness = new Harness({ allowHalfOpen: true, closeTimeout: 5_000 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const fromServer = new Uint8ArrayList()
    outbound.addEventListener('message', (evt) => fromServer.append(evt.data))
    const remoteCloseWrite = eventOnce(inbound, 'remoteCloseWrite')
    const outboundClosing = outbound.close()
    await remoteCloseWrite
    expect(inbound.status).toBe('open')
    expect(inbound.writeStatus).toBe('writable')
    // the dialer has sent its FIN but still reads until ours
    inbound.send(bytes(50_000, 9))
    await inbound.close()
    await outboundClosing
    expect(fromServer.byteLength).toBe(50_000)
    expect(outbound.status).toBe('closed')
    expect(inbound.status).toBe('closed')
  })

  it('destroys the socket when the remote does not answer a close in time', async () => {
    harness = new Harness({ allowHalfOpen: true, closeTimeout: 200 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const started = Date.now()
    await outbound.close()
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(2_000)
    expect(outbound.status).toBe('closed')
    // the listener side, allowed to stay half-open, saw the FIN and stays writable
    expect(inbound.remoteWriteStatus).toBe('closed')
    expect(inbound.status).toBe('open')
    await inbound.close()
    expect(inbound.status).toBe('closed')
  })

  it('resets the remote on abort', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const inboundClosed = closeEvent(inbound)
    outbound.abort(new Error('enough'))
    expect(outbound.status).toBe('aborted')
    const evt = await inboundClosed
    expect(evt.error?.name).toBe('StreamResetError')
    expect(inbound.status).toBe('reset')
  })

  it('bounds memory when 64 MiB go to a slow reader', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const socket = outbound.socket
    const total = 64 * MiB
    const chunk = bytes(64 * 1024, 1)

    let received = 0
    let maxReadBuffer = 0
    const reader = (async () => {
      for await (const data of inbound) {
        received += data.byteLength
        maxReadBuffer = Math.max(maxReadBuffer, inbound.readBufferLength)
        // a slow consumer: a short nap every 2 MiB
        if (received % (2 * MiB) < data.byteLength) await delay(5)
        if (received >= total) break
      }
    })()

    let waits = 0
    let maxQueued = 0
    for (let sent = 0; sent < total; sent += chunk.byteLength) {
      if (!outbound.send(chunk)) {
        waits++
        await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
      }
      maxQueued = Math.max(maxQueued, outbound.writeBufferLength + socket.writableLength)
    }
    await reader
    expect(received).toBe(total)
    expect(waits).toBeGreaterThan(0)
    // what the sender holds is a few chunks, not the 64 MiB it wrote
    expect(maxQueued).toBeLessThanOrEqual(1 * MiB)
    expect(maxReadBuffer).toBeLessThanOrEqual(4 * MiB)
  }, 60_000)

  it('pauses the socket while bytes wait for a reader, instead of overflowing', async () => {
    harness = new Harness({ maxReadBufferLength: 1 * MiB })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const total = 8 * MiB
    let sent = 0
    let blocked = false
    const writer = (async () => {
      const chunk = bytes(64 * 1024, 2)
      while (sent < total) {
        sent += chunk.byteLength
        if (!outbound.send(chunk)) {
          blocked = true
          await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
        }
      }
    })()
    // nobody reads: the kernel buffers fill and the writer stalls
    await waitFor(() => blocked)
    await delay(200)
    expect(sent).toBeLessThan(total)
    expect(inbound.status).toBe('open')
    expect(inbound.readBufferLength).toBeLessThanOrEqual(1 * MiB)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    await writer
    await waitFor(() => received === total, 10_000)
    expect(inbound.status).toBe('open')
  }, 30_000)

  it('pause() stops delivery and resume() restarts it', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    inbound.pause()
    outbound.send(bytes(100_000))
    await delay(100)
    expect(received).toBe(0)
    inbound.resume()
    await waitFor(() => received === 100_000)
  })

  it('flows again after pause, reader attached, resume with a full read buffer', async () => {
    harness = new Harness({ maxReadBufferLength: 1 * MiB })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const total = 4 * MiB
    const writer = (async () => {
      const chunk = bytes(64 * 1024, 4)
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!outbound.send(chunk)) await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
      }
    })()
    // no reader: the read buffer fills to its high-water mark and the socket stops
    await waitFor(() => inbound.readBufferLength >= 512 * 1024)
    inbound.pause()
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    await delay(20)
    expect(received).toBe(0)
    inbound.resume()
    await writer
    await waitFor(() => received === total, 10_000)
  })

  it('destroys an idle socket after the inactivity timeout', async () => {
    harness = new Harness({ inboundSocketInactivityTimeout: 150, outboundSocketInactivityTimeout: 0 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const evt = await closeEvent(inbound)
    expect(evt.error?.name).toBe('TimeoutError')
    await waitFor(() => outbound.status !== 'open')
  })

  it('a second close() waits for the first', async () => {
    harness = new Harness({ allowHalfOpen: true, closeTimeout: 200 })
    const { addr } = await harness.listen()
    const { outbound } = await harness.connect(addr)
    const first = outbound.close()
    await outbound.close()
    expect(outbound.status).toBe('closed')
    await first
  })
})
