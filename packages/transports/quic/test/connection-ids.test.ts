import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PeerConnectionIds } from '../src/connection/connection-ids.js'
import type { StreamHandler } from '../src/connection/stream-state.js'
import { TransportErrorCode } from '../src/errors.js'
import type { Frame } from '../src/frame.js'
import { connectionPair, established } from './connection-pair.js'
import { inject } from './hostile-peer.js'

const id = (byte: number): Uint8Array => new Uint8Array(8).fill(byte)
const newId = (sequence: number, retirePriorTo: number, connectionId: Uint8Array) =>
  ({
    type: 'new-connection-id',
    sequence,
    retirePriorTo,
    connectionId,
    statelessResetToken: new Uint8Array(16),
  }) as const

const codeOf = (run: () => unknown): number | undefined => {
  try {
    run()
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

describe('PeerConnectionIds (RFC 9000 §5.1, §19.15)', () => {
  it('holds the handshake ID and one spare; a third is CONNECTION_ID_LIMIT_ERROR and is not stored', () => {
    const ids = new PeerConnectionIds(2, 16)
    expect(ids.onNewConnectionId(newId(1, 0, id(1)), id(0))).toEqual({ retire: [] })
    expect(ids.size).toBe(2)
    expect(codeOf(() => ids.onNewConnectionId(newId(2, 0, id(2)), id(0)))).toBe(
      TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
    )
    expect(ids.size).toBe(2)
  })

  it('a repeated frame is no new ID; a sequence reissued with another ID is PROTOCOL_VIOLATION', () => {
    const ids = new PeerConnectionIds(2, 16)
    ids.onNewConnectionId(newId(1, 0, id(1)), id(0))
    expect(ids.onNewConnectionId(newId(1, 0, id(1)), id(0))).toEqual({ retire: [] })
    expect(codeOf(() => ids.onNewConnectionId(newId(1, 0, id(9)), id(0)))).toBe(
      TransportErrorCode.PROTOCOL_VIOLATION,
    )
  })

  it('Retire Prior To retires the IDs below it and moves us to the lowest one left', () => {
    const ids = new PeerConnectionIds(2, 16)
    const outcome = ids.onNewConnectionId(newId(1, 1, id(1)), id(0))
    expect(outcome.retire).toEqual([0])
    expect(outcome.use).toEqual(id(1))
    expect(ids.sequenceInUse).toBe(1)
    expect(ids.retirementsOwed).toBe(1)
    ids.onRetirementAcknowledged()
    expect(ids.retirementsOwed).toBe(0)
  })

  it('retires an ID that arrives already below Retire Prior To without holding it', () => {
    const ids = new PeerConnectionIds(2, 16)
    ids.onNewConnectionId(newId(3, 3, id(3)), id(0))
    expect(ids.onNewConnectionId(newId(2, 0, id(2)), id(0))).toEqual({ retire: [2] })
    expect(ids.size).toBe(1)
  })

  it('owes at most its bound of retirements, then CONNECTION_ID_LIMIT_ERROR', () => {
    const ids = new PeerConnectionIds(2, 4)
    for (let sequence = 1; sequence <= 4; sequence++)
      ids.onNewConnectionId(newId(sequence, sequence, id(sequence)), id(0))
    expect(ids.retirementsOwed).toBe(4)
    expect(codeOf(() => ids.onNewConnectionId(newId(5, 5, id(5)), id(0)))).toBe(
      TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
    )
    expect(ids.retirementsOwed).toBe(4)
    expect(ids.sequenceInUse).toBe(4)
  })

  it('refuses NEW_CONNECTION_ID from a peer with zero-length IDs (PROTOCOL_VIOLATION)', () => {
    const ids = new PeerConnectionIds(2, 16)
    expect(codeOf(() => ids.onNewConnectionId(newId(1, 0, id(1)), new Uint8Array(0)))).toBe(
      TransportErrorCode.PROTOCOL_VIOLATION,
    )
  })
})

describe('connection ID rotation (in memory)', () => {
  it('sends with the new ID once the old one is retired, acknowledges the retirement, and carries a stream', async () => {
    const { client, serverPromise } = await connectionPair()
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    const next = new Uint8Array(randomBytes(8))
    inject(client, [newId(1, 1, next) as Frame])
    const ids = server.peerConnectionIds
    for (let i = 0; i < 200 && (ids.sequenceInUse !== 1 || ids.retirementsOwed > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(server.dcid).toEqual(next)
    expect(ids.retirementsOwed).toBe(0)
    // a stream both ways over the new ID
    server.events.stream = (stream) => {
      stream.handler = handler({
        onFin: () => {
          server.streams.write(stream, new TextEncoder().encode('pong'))
          server.streams.finish(stream)
          server.scheduleFlush()
        },
      })
    }
    const stream = client.streams.open()
    const chunks: Uint8Array[] = []
    const done = new Promise<void>((resolve) => {
      stream.handler = handler({ onData: (data) => chunks.push(data), onFin: resolve })
    })
    client.streams.write(stream, new TextEncoder().encode('ping'))
    client.streams.finish(stream)
    client.scheduleFlush()
    await done
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe('pong')
    expect(server.closed).toBe(false)
    client.close()
  })
})

function handler(parts: Partial<StreamHandler>): StreamHandler {
  return {
    onData: () => {},
    onFin: () => {},
    onReset: () => {},
    onStopSending: () => {},
    onWritable: () => {},
    onConnectionClosed: () => {},
    ...parts,
  }
}
