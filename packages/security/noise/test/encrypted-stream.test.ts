import type { MessageStream, StreamCloseEvent } from '@libp2p/interface'
import { streamPair } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { CipherState } from '../src/cipher-state.js'
import { nodeCrypto } from '../src/crypto/node.js'
import { EncryptedStream } from '../src/encrypted-stream.js'
import { NonceExhaustedError } from '../src/errors.js'
import { createPeer, nextEvent, pattern, readBytes, relayedPair, sameBytes, securePair } from './fixtures.js'

async function pairOfPeers(capacity?: number) {
  return securePair(await createPeer(), await createPeer(), { pair: capacity == null ? {} : { capacity } })
}

/** Echoes everything back, following back-pressure. */
function echo(stream: MessageStream): void {
  stream.addEventListener('message', (evt) => {
    if (!stream.send(evt.data)) {
      stream.pause()
      stream.onDrain().then(
        () => stream.resume(),
        () => {},
      )
    }
  })
}

describe('encrypted stream', () => {
  it('echoes 8 MiB byte for byte under back-pressure', async () => {
    const { outbound, inbound } = await pairOfPeers(64 * 1024)
    echo(inbound.connection)
    const total = 8 * 1024 * 1024
    const data = pattern(total, 3)
    const received = readBytes(outbound.connection, total, 30_000)
    let waits = 0
    for (let offset = 0; offset < total; ) {
      const length = Math.min(total - offset, 1000 + ((offset / 7) % 200_000))
      if (!outbound.connection.send(data.subarray(offset, offset + length))) {
        waits++
        await outbound.connection.onDrain()
      }
      offset += length
    }
    expect(waits).toBeGreaterThan(0)
    const echoed = await received
    expect(echoed.byteLength).toBe(total)
    expect(sameBytes(echoed, data)).toBe(true)
  })

  it('writes frames of at most 65535 bytes, several per write below', async () => {
    const { outbound, inbound, rawInbound } = await pairOfPeers()
    const wire = new Uint8ArrayList()
    let chunks = 0
    rawInbound.addEventListener('message', (evt) => {
      wire.append(evt.data)
      chunks++
    })
    const data = pattern(300_000)
    const received = readBytes(inbound.connection, data.byteLength)
    outbound.connection.send(data)
    expect(sameBytes(await received, data)).toBe(true)
    const lengths: number[] = []
    for (let offset = 0; offset < wire.byteLength; ) {
      const length = wire.getUint16(offset)
      lengths.push(length)
      offset += 2 + length
    }
    expect(Math.max(...lengths)).toBe(65535)
    expect(lengths).toHaveLength(5)
    expect(chunks).toBeLessThan(lengths.length)
  })

  it('aborts with DecryptionError when a frame is tampered with in flight', async () => {
    const [a, b, relay] = relayedPair()
    const dialer = await createPeer()
    const listener = await createPeer()
    const [outbound, inbound] = await Promise.all([
      dialer.noise.secureOutbound(a, { signal: AbortSignal.timeout(5000) }),
      listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) }),
    ])
    const intact = readBytes(inbound.connection, 100)
    outbound.connection.send(pattern(100))
    expect(sameBytes(await intact, pattern(100))).toBe(true)

    relay.tamper = (bytes) => {
      bytes[5]! ^= 1
    }
    const closed = nextEvent<StreamCloseEvent>(inbound.connection, 'close')
    const remoteClosed = nextEvent<StreamCloseEvent>(outbound.connection, 'close')
    outbound.connection.send(pattern(100))
    const event = await closed
    expect(event.error?.name).toBe('DecryptionError')
    expect(inbound.connection.status).toBe('aborted')
    expect(b.status).toBe('aborted')
    // the reset travels back through the relay to the sender
    expect((await remoteClosed).error).toBeDefined()
    expect(outbound.connection.status).not.toBe('open')
  })

  it('aborts with DecryptionError on a forged frame and InvalidFrameError on a short one', async () => {
    const forged = await pairOfPeers()
    const closed = nextEvent<StreamCloseEvent>(forged.inbound.connection, 'close')
    forged.rawOutbound.send(Uint8Array.from([0, 20, ...new Array(20).fill(7)]))
    expect((await closed).error?.name).toBe('DecryptionError')

    const short = await pairOfPeers()
    const closedShort = nextEvent<StreamCloseEvent>(short.inbound.connection, 'close')
    short.rawOutbound.send(Uint8Array.from([0, 3, 1, 2, 3]))
    expect((await closedShort).error?.name).toBe('InvalidFrameError')
  })

  it('aborts when the remote stops writing inside a frame', async () => {
    const { inbound, rawOutbound } = await pairOfPeers()
    const closed = nextEvent<StreamCloseEvent>(inbound.connection, 'close')
    rawOutbound.send(Uint8Array.from([0xff, 0xff, 1, 2, 3]))
    await rawOutbound.close()
    expect((await closed).error?.name).toBe('InvalidFrameError')
  })

  it('propagates a half-close and then a full close both ways', async () => {
    const { outbound, inbound, rawOutbound, rawInbound } = await pairOfPeers()
    const received = readBytes(inbound.connection, 10)
    const remoteCloseWrite = nextEvent(inbound.connection, 'remoteCloseWrite')
    outbound.connection.send(pattern(10))
    await outbound.connection.close()
    expect((outbound.connection as EncryptedStream).writeStatus).toBe('closed')
    expect(rawOutbound.writeStatus).toBe('closed')
    expect(await received).toEqual(pattern(10))
    await remoteCloseWrite
    expect((inbound.connection as EncryptedStream).remoteWriteStatus).toBe('closed')

    // the other direction still works until it closes too
    const back = readBytes(outbound.connection, 4)
    inbound.connection.send(pattern(4))
    expect(await back).toEqual(pattern(4))
    const outboundClosed = nextEvent<StreamCloseEvent>(outbound.connection, 'close')
    await inbound.connection.close()
    expect((await outboundClosed).error).toBeUndefined()
    expect(inbound.connection.status).toBe('closed')
    expect(outbound.connection.status).toBe('closed')
    expect(rawInbound.status).toBe('closed')
  })

  it('ends a for-await loop when the remote closes', async () => {
    const { outbound, inbound } = await pairOfPeers()
    outbound.connection.send(pattern(1000))
    void outbound.connection.close()
    let length = 0
    for await (const chunk of inbound.connection) length += chunk.byteLength
    expect(length).toBe(1000)
  })

  it('propagates an abort to the remote as a reset', async () => {
    const { outbound, inbound, rawOutbound } = await pairOfPeers()
    const remoteClosed = nextEvent<StreamCloseEvent>(inbound.connection, 'close')
    outbound.connection.abort(new Error('bye'))
    expect(rawOutbound.status).toBe('aborted')
    const event = await remoteClosed
    expect(event.error?.name).toBe('StreamResetError')
    expect(inbound.connection.status).toBe('reset')
  })

  it('propagates an abort of the stream below', async () => {
    const { outbound, rawOutbound } = await pairOfPeers()
    const closed = nextEvent<StreamCloseEvent>(outbound.connection, 'close')
    rawOutbound.abort(new Error('socket died'))
    expect((await closed).error?.message).toBe('socket died')
    expect(outbound.connection.status).toBe('aborted')
  })

  it('passes pause and resume to the stream below, losing nothing', async () => {
    const { outbound, inbound, rawInbound } = await pairOfPeers()
    inbound.connection.pause()
    expect(rawInbound.readStatus).toBe('paused')
    let early = 0
    inbound.connection.addEventListener('message', (evt) => {
      early += evt.data.byteLength
    })
    const all = readBytes(inbound.connection, 200_000)
    outbound.connection.send(pattern(200_000))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(early).toBe(0)
    expect(inbound.connection.readBufferLength).toBe(0)
    inbound.connection.resume()
    expect(rawInbound.readStatus).toBe('readable')
    expect(sameBytes(await all, pattern(200_000))).toBe(true)
  })

  it('stops reading below while nobody listens, instead of overflowing', async () => {
    const { outbound, inbound, rawInbound } = await securePair(await createPeer(), await createPeer(), {
      pair: { maxReadBufferLength: 256 * 1024 },
    })
    const data = pattern(1024 * 1024, 4)
    let sent = 0
    const sending = (async () => {
      for (; sent < data.byteLength; sent += 32 * 1024) {
        if (!outbound.connection.send(data.subarray(sent, sent + 32 * 1024)))
          await outbound.connection.onDrain()
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(rawInbound.readStatus).toBe('paused')
    expect(inbound.connection.status).toBe('open')
    expect(sent).toBeLessThan(data.byteLength)
    const received = await readBytes(inbound.connection, data.byteLength)
    await sending
    expect(sameBytes(received, data)).toBe(true)
    expect(rawInbound.readStatus).toBe('readable')
  })

  it('delivers everything sent before a half-close while paused', async () => {
    const { outbound, inbound } = await pairOfPeers()
    inbound.connection.pause()
    outbound.connection.send(pattern(150_000, 9))
    await outbound.connection.close()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect((inbound.connection as EncryptedStream).remoteWriteStatus).not.toBe('closed')
    inbound.connection.resume()
    const chunks: Uint8Array[] = []
    for await (const chunk of inbound.connection) chunks.push(chunk.subarray())
    expect(sameBytes(Buffer.concat(chunks), pattern(150_000, 9))).toBe(true)
  })

  it('ends the connection at nonce 2^64 - 1', async () => {
    const key = new Uint8Array(32).fill(1)
    const exhausted = (): CipherState => {
      const cipher = new CipherState(nodeCrypto, key)
      cipher.setNonce(0xfffffffffffffffen)
      return cipher
    }
    // a large write fails at once
    const [a, b] = streamPair()
    const stream = new EncryptedStream(
      a,
      { send: exhausted(), receive: new CipherState(nodeCrypto, key) },
      { log: a.log },
    )
    expect(stream.send(pattern(20_000))).toBe(true)
    expect(() => stream.send(pattern(20_000))).toThrow(NonceExhaustedError)
    expect(stream.status).toBe('aborted')
    expect(a.status).toBe('aborted')
    b.abort(new Error('done'))

    // a small write fails when its frame is made, at the end of the task
    const [c, d] = streamPair()
    const small = new EncryptedStream(
      c,
      { send: exhausted(), receive: new CipherState(nodeCrypto, key) },
      { log: c.log },
    )
    const closed = nextEvent<StreamCloseEvent>(small, 'close')
    small.send(Uint8Array.from([1]))
    await new Promise((resolve) => setImmediate(resolve))
    expect(small.send(Uint8Array.from([2]))).toBe(true)
    expect((await closed).error?.name).toBe('NonceExhaustedError')
    d.abort(new Error('done'))
  })

  it('coalesces small writes made in the same task into one frame', async () => {
    const { outbound, inbound, rawInbound } = await pairOfPeers()
    const wire = new Uint8ArrayList()
    rawInbound.addEventListener('message', (evt) => wire.append(evt.data))
    const received = readBytes(inbound.connection, 100 * 50)
    for (let i = 0; i < 100; i++) expect(outbound.connection.send(pattern(50, i))).toBe(true)
    const all = await received
    for (let i = 0; i < 100; i++)
      expect(sameBytes(all.subarray(i * 50, (i + 1) * 50), pattern(50, i))).toBe(true)
    expect(wire.byteLength).toBe(2 + 100 * 50 + 16)
  })

  it('mirrors a stream below that closed before it was wrapped', async () => {
    const [a, b] = streamPair()
    const key = new Uint8Array(32).fill(1)
    b.abort(new Error('gone'))
    const stream = new EncryptedStream(
      b,
      { send: new CipherState(nodeCrypto, key), receive: new CipherState(nodeCrypto, key) },
      { log: b.log },
    )
    await nextEvent(stream, 'close')
    expect(stream.status).toBe('aborted')
    a.abort(new Error('done'))
  })
})
