import { createSocket, type Socket } from 'node:dgram'
import { decodeMessage, encodeMessage, TurnMethod } from '@weft/stun'
import { afterEach, describe, expect, it } from 'vitest'
import { checkTurn, TurnUnavailableError } from '../src/index.js'

const sockets: Socket[] = []
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close()
})

/** A loopback UDP server answering each request with `answer(method)`: an error code, 'success', or silence. */
async function fakeTurn(
  answer: (method: number) => number | 'success' | 'silent',
): Promise<{ port: number; methods: number[] }> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  const methods: number[] = []
  socket.on('message', (data, rinfo) => {
    const request = decodeMessage(data)
    methods.push(request.method)
    const what = answer(request.method)
    if (what === 'silent') return
    const reply = encodeMessage(
      what === 'success'
        ? { method: request.method, class: 'success', transactionId: request.transactionId, attributes: [] }
        : {
            method: request.method,
            class: 'error',
            transactionId: request.transactionId,
            attributes: [{ type: 'error-code', code: what, reason: 'test' }],
          },
    )
    socket.send(reply, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, methods }
}

describe('checkTurn', () => {
  it('reports a server asking for credentials (401) as available', async () => {
    const server = await fakeTurn(() => 401)
    const entry = await checkTurn({ host: '127.0.0.1', port: server.port })
    expect(entry).toMatchObject({
      server: `127.0.0.1:${server.port}`,
      transport: 'udp',
      available: true,
      authRequired: true,
    })
    expect(entry.rtt).toBeGreaterThanOrEqual(0)
    expect(server.methods).toEqual([TurnMethod.ALLOCATE])
  })

  it('gives back an allocation made without credentials', async () => {
    const server = await fakeTurn(() => 'success')
    const entry = await checkTurn({ host: '127.0.0.1', port: server.port })
    expect(entry).toMatchObject({ available: true, authRequired: false })
    expect(server.methods).toEqual([TurnMethod.ALLOCATE, TurnMethod.REFRESH])
  })

  it('reports another error code and silence as unavailable, with a typed error', async () => {
    const plainStun = await fakeTurn(() => 400)
    const wrong = await checkTurn({ host: '127.0.0.1', port: plainStun.port })
    expect(wrong.available).toBe(false)
    expect(wrong.error).toMatchObject({ name: TurnUnavailableError.name })
    expect(wrong.error?.message).toContain('400')
    const silent = await fakeTurn(() => 'silent')
    const none = await checkTurn({ host: '127.0.0.1', port: silent.port })
    expect(none).toMatchObject({ available: false, error: { name: 'TurnUnavailableError' } })
    expect(silent.methods.length).toBe(3) // RTO 250 ms, three sends, then given up
  })

  it('throws when aborted', async () => {
    const silent = await fakeTurn(() => 'silent')
    await expect(
      checkTurn({ host: '127.0.0.1', port: silent.port }, { signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow()
  })
})
