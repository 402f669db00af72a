import type { Connection, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { ProtocolHandler, streamPair } from '../src/index.js'

class Stopped extends Error {
  override name = 'Stopped'
}

function registrar() {
  const handlers = new Map<string, { handler: StreamHandler; options?: StreamHandlerOptions }>()
  return {
    handlers,
    async handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) {
      handlers.set(protocol, { handler, options })
    },
    async unhandle(protocol: string) {
      handlers.delete(protocol)
    },
  }
}

describe('ProtocolHandler', () => {
  it('registers on start with its options and unregisters on stop', async () => {
    const reg = registrar()
    const handler = new ProtocolHandler({
      registrar: reg,
      protocol: '/test/1.0.0',
      options: { maxInboundStreams: 3 },
      handler: () => {},
      stoppedError: () => new Stopped(),
    })
    expect(handler.isStarted()).toBe(false)
    await handler.start()
    expect(handler.isStarted()).toBe(true)
    expect(reg.handlers.get('/test/1.0.0')?.options).toEqual({ maxInboundStreams: 3 })
    await handler.stop()
    expect(handler.isStarted()).toBe(false)
    expect(reg.handlers.has('/test/1.0.0')).toBe(false)
  })

  it('on stop aborts open inbound streams and its signal with the stopped error', async () => {
    const reg = registrar()
    const handler = new ProtocolHandler({
      registrar: reg,
      protocol: '/test/1.0.0',
      options: {},
      handler: () => {},
      stoppedError: () => new Stopped(),
    })
    await handler.start()
    const signal = handler.signal
    const [, open] = streamPair()
    const [closingA, closing] = streamPair()
    const connection = {} as Connection
    await reg.handlers.get('/test/1.0.0')!.handler(open, connection)
    await reg.handlers.get('/test/1.0.0')!.handler(closing, connection)
    expect(handler.inboundStreams).toBe(2)
    // a stream that closes on its own is no longer tracked
    const closed = new Promise((resolve) => closing.addEventListener('close', resolve, { once: true }))
    await closingA.close()
    await closing.close()
    await closed
    expect(handler.inboundStreams).toBe(1)
    await handler.stop()
    expect(open.status).toBe('aborted')
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBeInstanceOf(Stopped)
    // a restart gets a fresh signal
    await handler.start()
    expect(handler.signal.aborted).toBe(false)
    await handler.stop()
  })
})
