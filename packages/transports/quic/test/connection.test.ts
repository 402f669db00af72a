import { describe, expect, it } from 'vitest'
import type { StreamHandler, StreamState } from '../src/connection/stream-state.js'
import { connectionPair, established } from './connection-pair.js'

function collector(stream: StreamState): { data: Uint8Array[]; fin: Promise<void> } & StreamHandler {
  let finished: () => void = () => {}
  const fin = new Promise<void>((resolve) => {
    finished = resolve
  })
  const data: Uint8Array[] = []
  const handler = {
    data,
    fin,
    onData: (bytes: Uint8Array) => data.push(bytes),
    onFin: () => finished(),
    onReset: () => {},
    onStopSending: () => {},
    onWritable: () => {},
    onConnectionClosed: () => {},
  }
  stream.handler = handler
  for (const early of stream.early.splice(0)) data.push(early)
  return handler
}

describe('QuicConnection (in memory)', () => {
  it('completes the handshake both ways, with matching peer ids', async () => {
    const { client, serverPromise, identities } = await connectionPair()
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    expect(client.result?.peerId.publicKey?.equals(identities[1].key.publicKey)).toBe(true)
    expect(server.result?.peerId.publicKey?.equals(identities[0].key.publicKey)).toBe(true)
    client.close()
  })

  it('carries a stream each way with FIN, across flow-control windows', async () => {
    const { client, serverPromise } = await connectionPair()
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    const incoming = new Promise<ReturnType<typeof collector>>((resolve) => {
      server.events.stream = (stream) => resolve(collector(stream))
    })
    const stream = client.streams.open()
    const reply = collector(stream)
    const payload = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251)
    client.streams.write(stream, payload)
    client.streams.finish(stream)
    client.scheduleFlush()
    const received = await incoming

    await received.fin

    expect(Buffer.concat(received.data).equals(Buffer.from(payload))).toBe(true)
    const serverStream = server.streams.streams.get(stream.id)
    expect(serverStream).toBeDefined()
    server.streams.write(serverStream as StreamState, new TextEncoder().encode('done'))
    server.streams.finish(serverStream as StreamState)
    server.scheduleFlush()
    await reply.fin
    expect(new TextDecoder().decode(Buffer.concat(reply.data))).toBe('done')
    client.close()
  }, 20_000)
})

describe('QuicConnection key update and loss (in memory)', () => {
  it('updates keys repeatedly during a long transfer with 2% loss, data intact', async () => {
    let seed = 7
    const lossy = (): boolean => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31 >= 0.02
    }
    const { client, serverPromise } = await connectionPair({ keyUpdateInterval: 300 }, (datagram) =>
      // handshake datagrams (long headers) pass, so the test is about 1-RTT
      ((datagram[0] as number) & 0x80) !== 0 ? true : lossy(),
    )
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    const incoming = new Promise<ReturnType<typeof collector>>((resolve) => {
      server.events.stream = (stream) => resolve(collector(stream))
    })
    const stream = client.streams.open()
    const payload = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 13) & 0xff)
    client.streams.write(stream, payload)
    client.streams.finish(stream)
    client.scheduleFlush()
    const received = await incoming
    await received.fin
    expect(Buffer.concat(received.data).equals(Buffer.from(payload))).toBe(true)
    // ~1800 packets at one update per 300 (each waits for the peer's ACK of the new phase)
    expect(client.keyUpdates).toBeGreaterThanOrEqual(3)
    // the server follows each update (RFC 9001 §6.2) and starts its own on its ACK-only traffic never
    expect(server.oneRtt?.writePhase).toBe(server.oneRtt?.readPhase)
    expect(server.keyUpdates).toBeGreaterThanOrEqual(3)
    client.close()
  }, 30_000)
})

describe('QuicConnection lifecycle (in memory)', () => {
  it('raises MAX_STREAMS as the peer finishes streams', async () => {
    const limits = {
      streamWindow: 65536,
      connectionWindow: 1 << 20,
      maxIncomingStreams: 2,
      writeHighWater: 65536,
    }
    const { client, serverPromise } = await connectionPair({ limits })
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    server.events.stream = (stream) => {
      const handler = collector(stream)
      void handler.fin.then(() => {
        server.streams.finish(stream)
        server.scheduleFlush()
      })
    }
    for (let round = 0; round < 3; round++) {
      const streams = [client.streams.open(), client.streams.open()]
      expect(client.streams.canOpen).toBe(false)
      const finished = streams.map((stream) => collector(stream).fin)
      for (const stream of streams) {
        client.streams.write(stream, new Uint8Array([round]))
        client.streams.finish(stream)
      }
      client.scheduleFlush()
      await Promise.all(finished)
      for (let i = 0; i < 50 && !client.streams.canOpen; i++) await new Promise((r) => setTimeout(r, 10))
      expect(client.streams.canOpen).toBe(true)
    }
    client.close()
  })

  it('CONNECTION_CLOSE ends the peer cleanly; its streams end with an error', async () => {
    const { client, serverPromise } = await connectionPair()
    client.start()
    const server = await serverPromise
    await Promise.all([established(client), established(server)])
    const closed = new Promise<Error | undefined>((resolve) => {
      server.events.closed = resolve
    })
    client.close(0)
    expect(await closed).toBeUndefined()
    expect(server.closed).toBe(true)
  })

  it('an idle connection times out; keep-alive PINGs hold another open', async () => {
    const quiet = await connectionPair({ idleTimeout: 400, keepAlive: false })
    const alive = await connectionPair({ idleTimeout: 400, keepAlive: true })
    quiet.client.start()
    alive.client.start()
    const [quietServer, aliveServer] = await Promise.all([quiet.serverPromise, alive.serverPromise])
    await Promise.all([established(quiet.client), established(alive.client), established(aliveServer)])
    const quietClosed = new Promise<Error | undefined>((resolve) => {
      quiet.client.events.closed = resolve
    })
    expect((await quietClosed)?.message).toMatch(/idle/)
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(alive.client.closed).toBe(false)
    expect(aliveServer.closed).toBe(false)
    alive.client.close()
    quietServer.close()
  }, 10_000)
})
