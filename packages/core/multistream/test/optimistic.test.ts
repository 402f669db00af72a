import { StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { handle, PROTOCOL_ID, select } from '../src/index.js'
import {
  closeError,
  concat,
  readAllByEvents,
  readAllByIteration,
  ScriptedStream,
  text,
  wire,
} from './fixtures.js'

const timeout = (): AbortSignal => AbortSignal.timeout(5000)
const lazy = { negotiateFully: false, signal: timeout() }

describe('optimistic select', () => {
  it('resolves before any answer, having written header and proposal in one write', async () => {
    const stream = new ScriptedStream()
    expect(await select(stream, '/a/1', { negotiateFully: false })).toBe('/a/1')
    expect(stream.sent).toEqual([wire(PROTOCOL_ID, '/a/1')])
    // the caller's first bytes follow without waiting for the remote
    stream.send(text('first'))
    expect(stream.sent[1]).toEqual(text('first'))
  })

  it('carries pipelined data both ways over streamPair', async () => {
    const [outbound, inbound] = streamPair()
    const listening = handle(inbound, ['/other/1', '/chat/1'], { signal: timeout() }).then(
      async (protocol) => {
        const request = await readAllByEvents(inbound)
        inbound.send(concat(text('re: '), request))
        await inbound.close()
        return protocol
      },
    )
    expect(await select(outbound, '/chat/1', lazy)).toBe('/chat/1')
    outbound.send(text('hello'))
    await outbound.close()
    expect(await readAllByEvents(outbound)).toEqual(text('re: hello'))
    expect(await listening).toBe('/chat/1')
  })

  it('the dialer application reads with for-await and sees only its data', async () => {
    const [outbound, inbound] = streamPair()
    const listening = handle(inbound, '/chat/1', { signal: timeout() }).then(async () => {
      inbound.send(text('answer'))
      await inbound.close()
    })
    await select(outbound, '/chat/1', lazy)
    await outbound.close()
    expect(await readAllByIteration(outbound)).toEqual(text('answer'))
    await listening
  })

  it('aborts the stream with UnsupportedProtocolError when the listener answers "na"', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, '/other/1', { signal: timeout() })
    handling.catch(() => {})
    const closed = closeError(outbound)
    await select(outbound, '/chat/1', lazy)
    outbound.send(text('lost'))
    expect(await closed).toMatchObject({ name: 'UnsupportedProtocolError' })
    expect(outbound.status).toBe('aborted')
    await expect(handling).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('aborts the stream with InvalidMessageError when the answer is garbage', async () => {
    const stream = new ScriptedStream()
    const closed = closeError(stream)
    await select(stream, '/a/1', { negotiateFully: false })
    stream.receive(wire(PROTOCOL_ID, '/b/1'))
    expect(await closed).toMatchObject({ name: 'InvalidMessageError' })
  })

  it('aborts the stream with NegotiationClosedError when the remote closes before answering', async () => {
    const stream = new ScriptedStream()
    const closed = closeError(stream)
    await select(stream, '/a/1', { negotiateFully: false })
    stream.receive(wire(PROTOCOL_ID))
    stream.receiveCloseWrite()
    const err = await closed
    expect(err).toMatchObject({ name: 'NegotiationClosedError' })
    expect(err?.message).toContain('/a/1')
  })

  it('passes a remote reset before the answer on as the stream error', async () => {
    const stream = new ScriptedStream()
    const closed = closeError(stream)
    await select(stream, '/a/1', { negotiateFully: false })
    stream.receiveReset()
    expect(await closed).toMatchObject({ name: 'StreamResetError' })
  })

  it('stops listening quietly when the application aborts the stream itself', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    stream.abort(new Error('caller gave up'))
    expect(stream.listenerCount('message')).toBe(0)
    expect(stream.listenerCount('close')).toBe(0)
  })

  it('stops listening quietly when the application closes its readable end (write-only protocols)', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, '/push/1', { signal: timeout() })
    await select(outbound, '/push/1', lazy)
    await outbound.closeRead()
    expect(outbound.listenerCount('message')).toBe(0)
    outbound.send(text('pushed'))
    await outbound.close()
    expect(await handling).toBe('/push/1')
    expect(await readAllByEvents(inbound)).toEqual(text('pushed'))
    expect(outbound.status).not.toBe('aborted')
  })

  it('leaves no listener behind once the echo is consumed', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    expect(stream.listenerCount('message')).toBe(1)
    stream.receive(wire(PROTOCOL_ID, '/a/1'))
    for (const type of ['message', 'remoteCloseWrite', 'end', 'close'] as const) {
      expect(stream.listenerCount(type)).toBe(0)
    }
  })
})

describe('optimistic select: negotiation bytes never reach the application', () => {
  const answer = (data: string): Uint8Array => concat(wire(PROTOCOL_ID, '/a/1'), text(data))

  it('echo and data in one chunk, then the remote closes at once (message listeners)', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    const received = readAllByEvents(stream)
    stream.receive(answer('payload'))
    stream.receiveCloseWrite()
    expect(await received).toEqual(text('payload'))
    expect(stream.status).toBe('open') // only the remote's writing ended
  })

  it('echo and data in one chunk, then the remote closes at once (for-await)', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    const received = readAllByIteration(stream)
    stream.receive(answer('payload'))
    stream.receiveCloseWrite()
    expect(await received).toEqual(text('payload'))
  })

  it('echo and data in one chunk, then the remote closes at once (StreamReader)', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    const reader = new StreamReader(stream)
    stream.receive(answer('payload'))
    stream.receiveCloseWrite()
    expect((await reader.readExact(7)).subarray()).toEqual(text('payload'))
    expect(await reader.read()).toBeUndefined()
  })

  it('echo and data in one chunk, then the remote closes at once, the application attaching later', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    stream.receive(answer('payload'))
    stream.receiveCloseWrite()
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stream.readableEnded).toBe(false)
    expect(await readAllByEvents(stream)).toEqual(text('payload'))
  })

  it('any split of echo and data, at any moment relative to the application attaching', async () => {
    const whole = answer('0123456789')
    for (let split = 0; split <= whole.byteLength; split++) {
      const stream = new ScriptedStream()
      await select(stream, '/a/1', { negotiateFully: false })
      stream.receive(whole.subarray(0, split))
      const received = readAllByEvents(stream)
      stream.receive(whole.subarray(split))
      stream.receiveCloseWrite()
      expect(await received).toEqual(text('0123456789'))
    }
  })

  it('an echo with no data followed at once by the remote closing ends the stream cleanly', async () => {
    const stream = new ScriptedStream()
    await select(stream, '/a/1', { negotiateFully: false })
    const received = readAllByEvents(stream)
    stream.receive(wire(PROTOCOL_ID, '/a/1'))
    stream.receiveCloseWrite()
    expect(await received).toEqual(new Uint8Array(0))
    expect(stream.status).toBe('open')
  })
})
