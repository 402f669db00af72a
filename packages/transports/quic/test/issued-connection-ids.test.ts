/**
 * The connection IDs a server issues over real UDP (RFC 9000 §5.1, §19.15,
 * §19.16): spares up to the peer's limit, each routed to the connection; a
 * peer that switches to one keeps the connection; RETIRE_CONNECTION_ID
 * unroutes an ID and brings a replacement; bad retirements are
 * PROTOCOL_VIOLATION.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { QuicConnection } from '../src/connection/connection.js'
import { ACTIVE_CONNECTION_ID_LIMIT, PeerConnectionIds } from '../src/connection/connection-ids.js'
import { LOCAL_CONNECTION_ID_CAP } from '../src/connection/local-connection-ids.js'
import { TransportErrorCode } from '../src/errors.js'
import type { Frame } from '../src/frame.js'
import { closeAll, codeOf, dial, ended, honestEcho, inject, type Listener, listener } from './hostile-peer.js'

afterEach(closeAll)

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  if (!condition()) throw new Error(`timed out waiting for ${what}`)
}

/** Writes `message` on a new stream of `connection` and resolves with what the server echoes. */
function echo(connection: QuicConnection, message: string): Promise<string> {
  const stream = connection.streams.open()
  const chunks: Uint8Array[] = []
  const done = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no echo within 3 s')), 3_000)
    stream.handler = {
      onData: (data) => chunks.push(data),
      onFin: () => {
        clearTimeout(timer)
        resolve(new TextDecoder().decode(Buffer.concat(chunks)))
      },
      onReset: (code) => reject(new Error(`reset with ${code}`)),
      onStopSending: () => {},
      onWritable: () => {},
      onConnectionClosed: (err) => reject(err ?? new Error('closed')),
    }
  })
  connection.streams.write(stream, new TextEncoder().encode(message))
  connection.streams.finish(stream)
  connection.scheduleFlush()
  return done
}

/** A peer connected to `server` that received the server's spare IDs. */
async function connected(server: Listener) {
  const accepted = server.next()
  const peer = await dial(server.port)
  const { connection, closed } = await accepted
  await until(() => peer.peerConnectionIds.size === ACTIVE_CONNECTION_ID_LIMIT, 'NEW_CONNECTION_ID')
  return { peer, connection, closed }
}

const retire = (sequence: number): Frame => ({ type: 'retire-connection-id', sequence })

describe('issued connection IDs (over UDP)', () => {
  it('issues min(the peer limit, the cap) − 1 spares after the handshake, with tokens from the reset key', async () => {
    const server = await listener()
    const { peer, connection } = await connected(server)
    const expected = Math.min(ACTIVE_CONNECTION_ID_LIMIT, LOCAL_CONNECTION_ID_CAP)
    expect(connection.localConnectionIds.size).toBe(expected)
    // the server's handshake ID came with its stateless reset token (transport parameter)
    expect(connection.peerParameters?.statelessResetToken).toBeUndefined()
    expect(peer.peerParameters?.statelessResetToken).toHaveLength(16)
    expect(peer.peerConnectionIds.tokenInUse).toEqual(peer.peerParameters?.statelessResetToken)
  })

  it('a peer that switches to a spare ID, then retires the handshake ID, keeps the connection; the replacement is routed too', async () => {
    const server = await listener()
    const { peer, connection } = await connected(server)
    // the peer retires by hand: its own bookkeeping must make room for the replacement
    Object.assign(peer, { peerConnectionIds: new PeerConnectionIds(8) })
    const [, spare] = connection.localConnectionIds.ids as [Uint8Array, Uint8Array]
    peer.dcid = spare
    expect(await echo(peer, 'on the spare')).toBe('on the spare')
    inject(peer, [retire(0)])
    await until(() => connection.localConnectionIds.isActive(2), 'the replacement')
    expect(connection.localConnectionIds.isActive(0)).toBe(false)
    expect(connection.localConnectionIds.size).toBe(2)
    const replacement = connection.localConnectionIds.ids.find((id) => id !== spare) as Uint8Array
    peer.dcid = replacement
    expect(await echo(peer, 'on the replacement')).toBe('on the replacement')
    expect(connection.closed).toBe(false)
  })

  it('keeps the count bounded while a peer retires its spares again and again', async () => {
    const server = await listener()
    const { peer, connection } = await connected(server)
    Object.assign(peer, { peerConnectionIds: new PeerConnectionIds(64) })
    // the peer keeps sending to the handshake ID and retires each spare as it arrives
    for (let sequence = 1; sequence <= 20; sequence++) {
      await until(() => connection.localConnectionIds.isActive(sequence), `spare ${sequence}`)
      inject(peer, [retire(sequence)])
      expect(connection.localConnectionIds.size).toBeLessThanOrEqual(LOCAL_CONNECTION_ID_CAP)
    }
    await until(() => connection.localConnectionIds.isActive(21), 'spare 21')
    expect(connection.localConnectionIds.size).toBe(2)
    expect(await echo(peer, 'still here')).toBe('still here')
  })

  it('RETIRE_CONNECTION_ID of a sequence number never issued is PROTOCOL_VIOLATION', async () => {
    const server = await listener()
    const { peer, closed } = await connected(server)
    const peerEnded = ended(peer)
    inject(peer, [retire(7)])
    const [serverError, peerError, echoed] = await Promise.all([closed, peerEnded, honestEcho(server.port)])
    expect(codeOf(serverError)).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
    expect(codeOf(peerError)).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
    expect(echoed).toBe('still serving')
  })

  it('RETIRE_CONNECTION_ID of the ID its packet was sent to is PROTOCOL_VIOLATION', async () => {
    const server = await listener()
    const { peer, closed } = await connected(server)
    const peerEnded = ended(peer)
    // the peer still sends to the handshake ID, sequence 0
    inject(peer, [retire(0)])
    const [serverError, peerError] = await Promise.all([closed, peerEnded])
    expect(codeOf(serverError)).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
    expect(serverError?.message).toMatch(/sent to it/)
    expect(codeOf(peerError)).toBe(TransportErrorCode.PROTOCOL_VIOLATION)
  })
})
