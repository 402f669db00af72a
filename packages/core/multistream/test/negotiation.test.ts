import { StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { handle, PROTOCOL_ID, select } from '../src/index.js'
import { concat, readAllByEvents, ScriptedStream, text, wire } from './fixtures.js'

const timeout = (): AbortSignal => AbortSignal.timeout(5000)

describe('select ↔ handle over streamPair', () => {
  it('agrees on a single protocol, then carries data both ways', async () => {
    const [outbound, inbound] = streamPair()
    const [dialed, handled] = await Promise.all([
      select(outbound, '/echo/1.0.0', { signal: timeout() }),
      handle(inbound, ['/echo/1.0.0'], { signal: timeout() }),
    ])
    expect(dialed).toBe('/echo/1.0.0')
    expect(handled).toBe('/echo/1.0.0')

    const atListener = readAllByEvents(inbound)
    const atDialer = readAllByEvents(outbound)
    outbound.send(text('ping'))
    await outbound.close()
    inbound.send(text('pong'))
    await inbound.close()
    expect(await atListener).toEqual(text('ping'))
    expect(await atDialer).toEqual(text('pong'))
  })

  it('falls back to the next proposal after "na"', async () => {
    const [outbound, inbound] = streamPair()
    const [dialed, handled] = await Promise.all([
      select(outbound, ['/echo/3.0.0', '/echo/2.0.0', '/echo/1.0.0'], { signal: timeout() }),
      handle(inbound, ['/other/1.0.0', '/echo/1.0.0'], { signal: timeout() }),
    ])
    expect(dialed).toBe('/echo/1.0.0')
    expect(handled).toBe('/echo/1.0.0')
  })

  it('rejects with UnsupportedProtocolError when there is no common protocol, and aborts the stream', async () => {
    const [outbound, inbound] = streamPair()
    const dialing = select(outbound, ['/a/1', '/b/1'], { signal: timeout() })
    const handling = handle(inbound, ['/c/1'], { signal: timeout() })
    await expect(dialing).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
    expect(outbound.status).toBe('aborted')
    // the listener sees the reset and gives up too
    await expect(handling).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('also works in full mode when negotiateFully is false but several protocols are proposed', async () => {
    const [outbound, inbound] = streamPair()
    const [dialed] = await Promise.all([
      select(outbound, ['/x/1', '/y/1'], { negotiateFully: false, signal: timeout() }),
      handle(inbound, ['/y/1'], { signal: timeout() }),
    ])
    expect(dialed).toBe('/y/1')
  })

  it('hands data the listener sent right after its echo to the dialer', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, '/greet/1', { signal: timeout() }).then(async (protocol) => {
      inbound.send(text('hello'))
      await inbound.close()
      return protocol
    })
    expect(await select(outbound, '/greet/1', { signal: timeout() })).toBe('/greet/1')
    await handling
    expect(await readAllByEvents(outbound)).toEqual(text('hello'))
  })

  it('answers "ls" with its protocols and keeps negotiating', async () => {
    const [outbound, inbound] = streamPair()
    const handling = handle(inbound, ['/a/1', '/b/1'], { signal: timeout() })
    const reader = new StreamReader(outbound)
    outbound.send(wire(PROTOCOL_ID, 'ls'))
    expect((await reader.readExact(20)).subarray()).toEqual(wire(PROTOCOL_ID))
    // one message: [0x05 "/a/1\n"] [0x05 "/b/1\n"] "\n"
    const list = await reader.readLengthPrefixed(1024)
    expect(list.subarray()).toEqual(concat(wire('/a/1', '/b/1'), text('\n')))
    outbound.send(wire('/b/1'))
    expect((await reader.readExact(6)).subarray()).toEqual(wire('/b/1'))
    expect(await handling).toBe('/b/1')
    reader.release()
  })
})

describe('wire economy', () => {
  it('the dialer sends header and first proposal in one write', async () => {
    const stream = new ScriptedStream()
    const dialing = select(stream, ['/a/1', '/b/1'], { signal: timeout() })
    expect(stream.sent).toEqual([wire(PROTOCOL_ID, '/a/1')])
    stream.receive(wire(PROTOCOL_ID, 'na'))
    expect(stream.sent[1]).toEqual(wire('/b/1'))
    stream.receive(wire('/b/1'))
    expect(await dialing).toBe('/b/1')
    expect(stream.sent).toHaveLength(2)
  })

  it('the listener answers a pipelined header and proposal in one write', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(wire(PROTOCOL_ID, '/a/1'))
    expect(await handling).toBe('/a/1')
    expect(stream.sent).toEqual([wire(PROTOCOL_ID, '/a/1')])
  })

  it('the listener answers a lone header at once (dialers that wait for it still work)', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(wire(PROTOCOL_ID))
    expect(stream.sent).toEqual([wire(PROTOCOL_ID)])
    stream.receive(wire('/zz/1'))
    expect(stream.sent[1]).toEqual(wire('na'))
    stream.receive(wire('/a/1'))
    expect(await handling).toBe('/a/1')
    expect(stream.sent[2]).toEqual(wire('/a/1'))
  })

  it('the dialer accepts an answer that trickles in byte by byte, and returns the bytes after it', async () => {
    const stream = new ScriptedStream()
    const dialing = select(stream, '/a/1', { signal: timeout() })
    const answer = concat(wire(PROTOCOL_ID, '/a/1'), text('data'))
    for (const byte of answer.subarray(0, 27)) stream.receive(Uint8Array.of(byte))
    expect(await dialing).toBe('/a/1')
    stream.receive(answer.subarray(27))
    stream.receiveCloseWrite()
    expect(await readAllByEvents(stream)).toEqual(text('data'))
  })

  it('the listener hands bytes pipelined behind the proposal to the handler', async () => {
    const stream = new ScriptedStream()
    const handling = handle(stream, '/a/1', { signal: timeout() })
    stream.receive(concat(wire(PROTOCOL_ID, '/a/1'), text('early data')))
    stream.receiveCloseWrite()
    expect(await handling).toBe('/a/1')
    expect(await readAllByEvents(stream)).toEqual(text('early data'))
  })
})

describe('arguments', () => {
  it('select needs at least one non-empty protocol', async () => {
    const [outbound] = streamPair()
    await expect(select(outbound, [])).rejects.toThrow(TypeError)
    await expect(select(outbound, '')).rejects.toThrow(TypeError)
    await expect(select(outbound, '/x'.repeat(600))).rejects.toThrow(RangeError)
    await expect(select(outbound, '/a', { maxMessageLength: 70_000 })).rejects.toThrow(RangeError)
    expect(outbound.writeBufferLength).toBe(0)
  })

  it('an aborted signal stops select and handle before they touch the stream', async () => {
    const stream = new ScriptedStream()
    const signal = AbortSignal.abort(new Error('cancelled'))
    await expect(select(stream, '/a', { signal })).rejects.toThrow('cancelled')
    await expect(handle(stream, '/a', { signal })).rejects.toThrow('cancelled')
    expect(stream.sent).toEqual([])
    expect(stream.status).toBe('open')
  })
})
