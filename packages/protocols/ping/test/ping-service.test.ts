import type { Connection, Stream, StreamCloseEvent } from '@libp2p/interface'
import { FakeRegistrar, fakePeerConnection } from '@weft/testkit'
import { defaultLogger, streamPair } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { echoPings } from '../src/echo.js'
import { PING_LENGTH, type PingService, ping, pingOnce } from '../src/index.js'
import { components } from './fakes.js'

const log = defaultLogger().forComponent('ping-test')
const services: PingService[] = []

afterEach(async () => {
  for (const service of services.splice(0)) await service.stop()
})

async function pair(
  init: Parameters<typeof ping>[0] = {},
): Promise<{ client: PingService; server: PingService; serverRegistrar: FakeRegistrar }> {
  const serverRegistrar = new FakeRegistrar()
  const server = ping(init)(components(serverRegistrar))
  const client = ping(init)(components(new FakeRegistrar(), () => fakePeerConnection(serverRegistrar)))
  await server.start()
  await client.start()
  services.push(server, client)
  return { client, server, serverRegistrar }
}

function closed(stream: Stream): Promise<StreamCloseEvent> {
  return new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }))
}

async function readAll(stream: Stream): Promise<Uint8ArrayList> {
  const out = new Uint8ArrayList()
  for await (const chunk of stream) out.append(chunk)
  return out
}

describe('ping service', () => {
  it('registers /ipfs/ping/1.0.0 with the spec limits and unregisters on stop', async () => {
    const registrar = new FakeRegistrar()
    const service = ping()(components(registrar))
    await service.start()
    expect(service.isStarted()).toBe(true)
    expect(service.protocol).toBe('/ipfs/ping/1.0.0')
    expect(registrar.handlers.get('/ipfs/ping/1.0.0')?.options).toEqual({
      maxInboundStreams: 2,
      maxOutboundStreams: 1,
      runOnLimitedConnection: true,
    })
    await service.stop()
    expect(registrar.handlers.size).toBe(0)
    expect(service.isStarted()).toBe(false)
  })

  it('honours protocolPrefix and the limits it is given', async () => {
    const registrar = new FakeRegistrar()
    const service = ping({ protocolPrefix: 'weft', maxInboundStreams: 5, runOnLimitedConnection: false })(
      components(registrar),
    )
    await service.start()
    services.push(service)
    expect(registrar.handlers.get('/weft/ping/1.0.0')?.options).toMatchObject({
      maxInboundStreams: 5,
      runOnLimitedConnection: false,
    })
  })

  it('rejects nonsensical options', () => {
    expect(() => ping({ timeout: 0 })(components(new FakeRegistrar()))).toThrow(RangeError)
    expect(() => ping({ maxInboundStreams: -1 })(components(new FakeRegistrar()))).toThrow(RangeError)
  })

  it('measures a round trip to a peer', async () => {
    const { client } = await pair()
    const rtt = await client.ping({} as never)
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(rtt).toBeLessThan(5_000)
  })

  it('pings repeatedly on one stream, then the listener closes after the dialer does', async () => {
    const [dialer, listener] = streamPair()
    echoPings(listener, { idleTimeout: 5_000, log })
    for (let i = 0; i < 5; i++) expect(await pingOnce(dialer)).toBeGreaterThanOrEqual(0)
    const listenerClosed = closed(listener)
    await dialer.close()
    await readAll(dialer)
    await listenerClosed
    expect(listener.status).toBe('closed')
  })

  it('echoes whole payloads across arbitrary chunking and drops a trailing partial one', async () => {
    const [dialer, listener] = streamPair()
    echoPings(listener, { idleTimeout: 5_000, log })
    const sent = crypto.getRandomValues(new Uint8Array(PING_LENGTH * 3 + 7))
    dialer.send(sent.subarray(0, 5))
    dialer.send(sent.subarray(5, 70))
    dialer.send(sent.subarray(70))
    await dialer.close()
    const echoed = await readAll(dialer)
    expect(echoed.subarray()).toEqual(sent.subarray(0, PING_LENGTH * 3))
  })

  it('keeps echoing under back-pressure without losing bytes', async () => {
    const [dialer, listener] = streamPair({ capacity: 64 })
    echoPings(listener, { idleTimeout: 5_000, log })
    const sent = crypto.getRandomValues(new Uint8Array(PING_LENGTH * 500))
    const echoed = readAll(dialer)
    for (let offset = 0; offset < sent.byteLength; offset += 1024) {
      if (!dialer.send(sent.subarray(offset, offset + 1024))) await dialer.onDrain()
    }
    await dialer.close()
    expect((await echoed).subarray()).toEqual(sent)
  })

  it('resets a stream that stays idle longer than idleTimeout', async () => {
    const [dialer, listener] = streamPair()
    let done = false
    echoPings(listener, { idleTimeout: 50, log, onDone: () => (done = true) })
    expect(await pingOnce(dialer)).toBeGreaterThanOrEqual(0)
    const event = await closed(dialer)
    expect(event.error?.name).toBe('StreamResetError')
    expect(listener.status).toBe('aborted')
    expect(done).toBe(true)
  })

  it('rejects a wrong echo with PingMismatchError', async () => {
    const registrar = new FakeRegistrar()
    await registrar.handle('/ipfs/ping/1.0.0', (stream) => {
      stream.addEventListener('message', (evt) => {
        const bytes = evt.data.subarray().slice()
        bytes[0] = (bytes[0]! + 1) & 0xff
        stream.send(bytes)
      })
    })
    const client = ping()(components(new FakeRegistrar(), () => fakePeerConnection(registrar)))
    await expect(client.ping({} as never)).rejects.toMatchObject({ name: 'PingMismatchError' })
  })

  it('times out when the remote never answers, and resets the stream', async () => {
    const registrar = new FakeRegistrar()
    let remote: Stream | undefined
    await registrar.handle('/ipfs/ping/1.0.0', (stream) => {
      remote = stream
    })
    const client = ping({ timeout: 50 })(components(new FakeRegistrar(), () => fakePeerConnection(registrar)))
    const started = Date.now()
    await expect(client.ping({} as never)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeLessThan(2_000)
    const event = await closed(remote!)
    expect(event.error?.name).toBe('StreamResetError')
  })

  it('rejects with the reason of an aborted signal', async () => {
    const registrar = new FakeRegistrar()
    await registrar.handle('/ipfs/ping/1.0.0', () => {})
    const client = ping()(components(new FakeRegistrar(), () => fakePeerConnection(registrar)))
    const controller = new AbortController()
    const pending = client.ping({} as never, { signal: controller.signal })
    controller.abort(new Error('changed my mind'))
    await expect(pending).rejects.toThrow('changed my mind')
  })

  it('fails a ping under way when the service stops', async () => {
    const registrar = new FakeRegistrar()
    await registrar.handle('/ipfs/ping/1.0.0', () => {})
    const client = ping()(components(new FakeRegistrar(), () => fakePeerConnection(registrar)))
    await client.start()
    const pending = client.ping({} as never)
    await new Promise((resolve) => setTimeout(resolve, 10))
    await client.stop()
    await expect(pending).rejects.toMatchObject({ name: 'PingServiceStoppedError' })
  })

  it('stop() ends inbound streams being echoed and leaves no timer behind', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const before = timers()
    const { server, serverRegistrar } = await pair()
    const connection: Connection = fakePeerConnection(serverRegistrar)
    const stream = await connection.newStream('/ipfs/ping/1.0.0')
    expect(await pingOnce(stream)).toBeGreaterThanOrEqual(0)
    const event = closed(stream)
    expect(timers()).toBe(before + 1) // the idle timer of the inbound stream
    await server.stop()
    expect((await event).error?.name).toBe('StreamResetError')
    expect(timers()).toBe(before)
  })

  it('closes without echoing when the dialer sends less than one payload', async () => {
    const [dialer, listener] = streamPair()
    echoPings(listener, { idleTimeout: 5_000, log })
    const listenerClosed = closed(listener)
    dialer.send(new Uint8Array(10))
    await dialer.close()
    expect((await readAll(dialer)).byteLength).toBe(0)
    expect((await listenerClosed).error).toBeUndefined()
  })
})
