import { streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { handle, PROTOCOL_ID, select } from '../src/index.js'
import { closeError, ScriptedStream, text, wire } from './fixtures.js'

const timeout = (): AbortSignal => AbortSignal.timeout(5000)

describe('a listener fed hostile input gives a typed error and aborts only that stream', () => {
  it('garbage instead of the header: InvalidMessageError', async () => {
    const stream = new ScriptedStream()
    const closed = closeError(stream)
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(text('\x0fGET / HTTP/1.1\r\n'))
    await expect(handling).rejects.toMatchObject({ name: 'InvalidMessageError' })
    expect(await closed).toMatchObject({ name: 'InvalidMessageError' })
    expect(stream.status).toBe('aborted')
    expect(stream.sent).toEqual([])
  })

  it('another multistream version: InvalidMessageError naming both', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(wire('/multistream/2.0.0'))
    const err = await handling.catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'InvalidMessageError' })
    expect((err as Error).message).toContain(PROTOCOL_ID)
    expect((err as Error).message).toContain('/multistream/2.0.0')
  })

  it('an oversized length prefix: MessageTooLargeError before the body arrives', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(Uint8Array.of(0xff, 0xff, 0x03))
    await expect(handling).rejects.toMatchObject({ name: 'MessageTooLargeError', limit: 1024 })
    expect(stream.status).toBe('aborted')
  })

  it('a proposal over a custom limit: MessageTooLargeError', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { maxMessageLength: 32, signal: timeout() })
    stream.receive(wire(PROTOCOL_ID, `/${'x'.repeat(40)}`))
    await expect(handling).rejects.toMatchObject({ name: 'MessageTooLargeError', size: 42, limit: 32 })
  })

  it('too many proposals: TooManyProposalsError', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { maxProposals: 4, signal: timeout() })
    stream.receive(wire(PROTOCOL_ID, '/n/1', 'ls', '/n/2', '/n/3'))
    expect(stream.sent).toHaveLength(1) // header, "na", list, "na", "na" in one write
    stream.receive(wire('/a/1'))
    await expect(handling).rejects.toMatchObject({ name: 'TooManyProposalsError', limit: 4 })
    expect(stream.sent).toHaveLength(1)
  })

  it('the default proposal limit holds against a dialer that never stops', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(wire(PROTOCOL_ID))
    for (let i = 0; i < 100 && stream.status === 'open'; i++) stream.receive(wire(`/nope/${i}`))
    await expect(handling).rejects.toMatchObject({ name: 'TooManyProposalsError', limit: 32 })
    expect(stream.sent).toHaveLength(33)
  })

  it('a stalled dialer: the signal ends the wait with its reason', async () => {
    const [outbound, inbound] = streamPair()
    const started = Date.now()
    outbound.send(wire(PROTOCOL_ID).subarray(0, 10)) // half a header, then nothing
    const handling = handle(inbound, '/a/1', { signal: AbortSignal.timeout(50) })
    await expect(handling).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(inbound.status).toBe('aborted')
    for (const type of ['message', 'remoteCloseWrite', 'end'] as const) {
      expect(inbound.listenerCount(type)).toBe(0)
    }
  })

  it('a dialer that closes before proposing: NegotiationClosedError', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, '/a/1', { signal: timeout() })
    outbound.send(wire(PROTOCOL_ID))
    await outbound.close()
    const err = await handling.catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'NegotiationClosedError' })
    expect((err as Error).message).toContain('proposal')
  })

  it('a dialer that resets: the reset error', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, '/a/1', { signal: timeout() })
    outbound.abort(new Error('gone'))
    await expect(handling).rejects.toMatchObject({ name: 'StreamResetError' })
  })
})

describe('a dialer fed hostile input', () => {
  it('an oversized answer: MessageTooLargeError', async () => {
    const stream = new ScriptedStream()
    const dialing = select(stream, '/a/1', { signal: timeout() })
    stream.receive(Uint8Array.of(0x80, 0x80, 0x04))
    await expect(dialing).rejects.toMatchObject({ name: 'MessageTooLargeError' })
    expect(stream.status).toBe('aborted')
  })

  it('a stalled listener: TimeoutError from the signal', async () => {
    const [outbound] = streamPair()
    await expect(select(outbound, '/a/1', { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(outbound.status).toBe('aborted')
  })

  it('a listener that closes without answering: NegotiationClosedError', async () => {
    const stream = new ScriptedStream()
    const dialing = select(stream, ['/a/1', '/b/1'], { signal: timeout() })
    stream.receive(wire(PROTOCOL_ID))
    stream.receiveCloseWrite()
    await expect(dialing).rejects.toMatchObject({ name: 'NegotiationClosedError' })
  })

  it('a write the stream refuses fails select at once', async () => {
    const stream = new ScriptedStream()
    await stream.close()
    await expect(select(stream, '/a/1', { signal: timeout() })).rejects.toMatchObject({
      name: 'StreamStateError',
    })
    await expect(
      select(new ScriptedStream().closeSelf(), '/a/1', { negotiateFully: false }),
    ).rejects.toMatchObject({
      name: 'StreamStateError',
    })
  })
})
