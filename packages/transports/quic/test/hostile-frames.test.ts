/**
 * Hostile frames from a peer that completed a real handshake: streams past
 * MAX_STREAMS (RFC 9000 §4.6), CRYPTO data past what we buffer (§7.5),
 * connection IDs past active_connection_id_limit and endless retirements
 * (§5.1.1, §5.1.2), stream data past the flow-control limits (§4.1). Each is
 * refused with its transport error code, the state it could grow stays
 * within its limit, and an honest client connects and echoes a stream
 * while the attack runs.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_UNACKNOWLEDGED_RETIREMENTS } from '../src/connection/connection-ids.js'
import { CRYPTO_BUFFER_LIMIT } from '../src/connection/packet-space.js'
import { TransportErrorCode } from '../src/errors.js'
import type { Frame } from '../src/frame.js'
import { closeAll, codeOf, dial, ended, honestEcho, inject, type Listener, listener } from './hostile-peer.js'

afterEach(closeAll)

/** A hostile peer connected to `server`, and the server's side of its connection. */
async function hostile(server: Listener) {
  const accepted = server.next()
  const peer = await dial(server.port)
  return { peer, accepted: await accepted }
}

/** Runs `frames` from a fresh hostile peer, an honest echo alongside; returns both ends' errors. */
async function attack(server: Listener, frames: readonly Frame[]) {
  const { peer, accepted } = await hostile(server)
  const peerEnded = ended(peer)
  inject(peer, frames)
  const [serverError, peerError, echoed] = await Promise.all([
    accepted.closed,
    peerEnded,
    honestEcho(server.port),
  ])
  return { serverError, peerError, echoed, connection: accepted.connection, opened: accepted.opened }
}

const openStream = (streamId: number): Frame => ({
  type: 'stream',
  streamId,
  offset: 0,
  data: new Uint8Array(0),
  fin: false,
})

describe('hostile frames: stream limits', () => {
  it('closes a peer opening bidirectional streams past MAX_STREAMS with STREAM_LIMIT_ERROR; never holds more than the limit', async () => {
    const server = await listener({ maxInboundStreams: 8 })
    const { peer, accepted } = await hostile(server)
    // up to the limit is fine (streams 0, 4, …, 28)
    inject(
      peer,
      Array.from({ length: 8 }, (_, i) => openStream(4 * i)),
    )
    for (let i = 0; i < 100 && accepted.connection.streams.streams.size < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(accepted.connection.streams.streams.size).toBe(8)
    expect(accepted.connection.closed).toBe(false)
    // the ninth, and a burst after it
    const peerEnded = ended(peer)
    inject(
      peer,
      Array.from({ length: 50 }, (_, i) => openStream(4 * (8 + i))),
    )
    const [serverError, peerError, echoed] = await Promise.all([
      accepted.closed,
      peerEnded,
      honestEcho(server.port),
    ])
    expect(codeOf(serverError)).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    expect(codeOf(peerError)).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    // streams are never swept here (none finishes), so what was opened is what was held
    expect(accepted.opened).toHaveLength(8)
    expect(echoed).toBe('still serving')
  })

  it('refuses a stream ID far past the limit without opening the streams below it', async () => {
    const server = await listener({ maxInboundStreams: 8 })
    const { serverError, peerError, echoed, opened } = await attack(server, [openStream(4 * 1_000_000)])
    expect(codeOf(serverError)).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    expect(codeOf(peerError)).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    expect(opened).toHaveLength(0)
    expect(echoed).toBe('still serving')
  })

  it('refuses unidirectional streams (we allow none) with STREAM_LIMIT_ERROR', async () => {
    const server = await listener()
    const { serverError, echoed } = await attack(server, [openStream(2)])
    expect(codeOf(serverError)).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    expect(echoed).toBe('still serving')
  })
})

describe('hostile frames: CRYPTO', () => {
  it('closes on CRYPTO data at a huge offset with CRYPTO_BUFFER_EXCEEDED', async () => {
    const server = await listener()
    const frame: Frame = { type: 'crypto', offset: 2 ** 40, data: new Uint8Array(16) }
    const { serverError, peerError, echoed } = await attack(server, [frame])
    expect(codeOf(serverError)).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED)
    expect(codeOf(peerError)).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED)
    expect(echoed).toBe('still serving')
  })

  it('holds at most its buffer of out-of-order CRYPTO data, then closes with CRYPTO_BUFFER_EXCEEDED', async () => {
    const server = await listener()
    // a gap at offset 0, then 1000-byte chunks until they pass the buffer
    const chunks = Math.ceil(CRYPTO_BUFFER_LIMIT / 1000) + 4
    const frames: Frame[] = Array.from({ length: chunks }, (_, i) => ({
      type: 'crypto',
      offset: 1 + 1000 * i,
      data: randomBytes(1000),
    }))
    const { serverError, echoed, connection } = await attack(server, frames)
    expect(codeOf(serverError)).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED)
    expect(connection.spaces['one-rtt'].crypto.buffered).toBeLessThanOrEqual(CRYPTO_BUFFER_LIMIT)
    expect(connection.spaces['one-rtt'].crypto.buffered).toBeGreaterThan(CRYPTO_BUFFER_LIMIT - 1000)
    expect(echoed).toBe('still serving')
  })

  it('refuses an in-order handshake message announcing 16 MiB with CRYPTO_BUFFER_EXCEEDED', async () => {
    const server = await listener()
    // a TLS handshake header: type, then a 24-bit length (RFC 8446 §4)
    const frame: Frame = { type: 'crypto', offset: 0, data: Uint8Array.of(4, 0xff, 0xff, 0xff, 0, 0) }
    const { serverError, echoed } = await attack(server, [frame])
    expect(codeOf(serverError)).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED)
    expect(echoed).toBe('still serving')
  })
})

const newId = (sequence: number, retirePriorTo: number, connectionId: Uint8Array): Frame => ({
  type: 'new-connection-id',
  sequence,
  retirePriorTo,
  connectionId,
  statelessResetToken: new Uint8Array(randomBytes(16)),
})

describe('hostile frames: connection IDs', () => {
  it('closes with CONNECTION_ID_LIMIT_ERROR past active_connection_id_limit, holding no more than it', async () => {
    const server = await listener()
    const frames = Array.from({ length: 20 }, (_, i) => newId(i + 1, 0, new Uint8Array(randomBytes(8))))
    const { serverError, peerError, echoed, connection } = await attack(server, frames)
    expect(codeOf(serverError)).toBe(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR)
    expect(codeOf(peerError)).toBe(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR)
    // the handshake's ID and sequence 1: the limit we advertise
    expect(connection.peerConnectionIds.size).toBe(2)
    expect(echoed).toBe('still serving')
  })

  it('bounds the retirements a Retire Prior To churn makes us owe (CONNECTION_ID_LIMIT_ERROR)', async () => {
    const server = await listener()
    const { peer, accepted } = await hostile(server)
    // each frame retires the one before it; the peer's own ID keeps its packets routed
    const frames = Array.from({ length: 200 }, (_, i) => newId(i + 1, i + 1, peer.scid))
    const peerEnded = ended(peer)
    inject(peer, frames)
    const [serverError, , echoed] = await Promise.all([accepted.closed, peerEnded, honestEcho(server.port)])
    expect(codeOf(serverError)).toBe(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR)
    expect(serverError?.message).toMatch(/retired and unacknowledged/)
    expect(accepted.connection.peerConnectionIds.retirementsOwed).toBeLessThanOrEqual(
      MAX_UNACKNOWLEDGED_RETIREMENTS,
    )
    expect(accepted.connection.peerConnectionIds.size).toBeLessThanOrEqual(2)
    expect(echoed).toBe('still serving')
  })

  it('follows a peer that rotates its ID one at a time, retiring each old one, for longer than the bound', async () => {
    const server = await listener()
    const { peer, accepted } = await hostile(server)
    const ids = accepted.connection.peerConnectionIds
    for (let sequence = 1; sequence <= 2 * MAX_UNACKNOWLEDGED_RETIREMENTS; sequence++) {
      inject(peer, [newId(sequence, sequence, peer.scid)])
      // the server switches to the new ID and retires the previous one; the peer's ACK settles it
      for (let i = 0; i < 400 && (ids.sequenceInUse !== sequence || ids.retirementsOwed > 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(ids.sequenceInUse).toBe(sequence)
      expect(ids.retirementsOwed).toBe(0)
    }
    expect(accepted.connection.closed).toBe(false)
    expect(ids.size).toBe(1)
    expect(await honestEcho(server.port)).toBe('still serving')
  })
})

describe('hostile frames: flow control', () => {
  it('closes on stream data past MAX_STREAM_DATA with FLOW_CONTROL_ERROR', async () => {
    const server = await listener({ streamWindow: 32 * 1024, connectionWindow: 64 * 1024 })
    const frame: Frame = {
      type: 'stream',
      streamId: 0,
      offset: 32 * 1024,
      data: new Uint8Array(1),
      fin: false,
    }
    const { serverError, peerError, echoed } = await attack(server, [frame])
    expect(codeOf(serverError)).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    expect(codeOf(peerError)).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    expect(echoed).toBe('still serving')
  })

  it('holds at most a stream window of out-of-order data, then closes with FLOW_CONTROL_ERROR', async () => {
    const server = await listener({ streamWindow: 32 * 1024, connectionWindow: 64 * 1024 })
    // a gap at offset 0, then 1000-byte chunks past the stream's window
    const frames: Frame[] = Array.from({ length: 40 }, (_, i) => ({
      type: 'stream',
      streamId: 0,
      offset: 1 + 1000 * i,
      data: new Uint8Array(1000),
      fin: false,
    }))
    const { serverError, echoed, opened } = await attack(server, frames)
    expect(codeOf(serverError)).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    expect(serverError?.message).toMatch(/stream 0 data up to/)
    expect(opened).toHaveLength(1)
    const buffered = opened[0]?.receive.buffered ?? 0
    expect(buffered).toBeGreaterThan(32 * 1024 - 1000)
    expect(buffered).toBeLessThanOrEqual(32 * 1024)
    expect(echoed).toBe('still serving')
  })

  it('closes when streams together pass MAX_DATA (each within its own window) with FLOW_CONTROL_ERROR', async () => {
    const server = await listener({ streamWindow: 32 * 1024, connectionWindow: 64 * 1024 })
    // the last byte of each stream's window: 3 × 32 KiB > 64 KiB, nothing delivered in order
    const frames: Frame[] = [0, 4, 8].map((streamId) => ({
      type: 'stream',
      streamId,
      offset: 32 * 1024 - 1,
      data: new Uint8Array(1),
      fin: false,
    }))
    const { serverError, echoed, opened } = await attack(server, frames)
    expect(codeOf(serverError)).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    expect(serverError?.message).toMatch(/MAX_DATA/)
    // the third stream's frame is the one refused
    expect(opened.map((stream) => stream.highestReceived)).toEqual([32 * 1024, 32 * 1024, 0])
    expect(echoed).toBe('still serving')
  })
})
