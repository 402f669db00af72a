import type { Stream } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { FakeRegistrar, fakePeerConnection, readExact } from '../src/index.js'

describe('FakeRegistrar and fakePeerConnection', () => {
  it('runs the remote handler for a new stream, over a stream pair', async () => {
    const remote = new FakeRegistrar()
    const seen: Array<{ protocol: string; connectionId: string }> = []
    await remote.handle('/echo/1.0.0', (stream, connection) => {
      seen.push({ protocol: stream.protocol, connectionId: connection.id })
      stream.addEventListener('message', (evt) => stream.send(evt.data))
    })
    const connection = fakePeerConnection(remote)
    const stream = await connection.newStream(['/echo/1.0.0', '/other/1.0.0'])
    expect(stream.protocol).toBe('/echo/1.0.0')
    stream.send(Uint8Array.of(1, 2, 3))
    expect((await readExact(stream, 3)).subarray()).toEqual(Uint8Array.of(1, 2, 3))
    expect(seen).toEqual([{ protocol: '/echo/1.0.0', connectionId: 'fake' }])
  })

  it('refuses a protocol the remote does not handle, and forgets unhandled ones', async () => {
    const remote = new FakeRegistrar()
    const handler = (_stream: Stream): void => {}
    await remote.handle('/b/1', handler)
    await remote.handle('/a/1', handler, { maxInboundStreams: 2 })
    expect(remote.getProtocols()).toEqual(['/a/1', '/b/1'])
    expect(remote.handlers.get('/a/1')?.options).toEqual({ maxInboundStreams: 2 })
    await remote.unhandle('/a/1')
    expect(remote.getProtocols()).toEqual(['/b/1'])
    await expect(fakePeerConnection(remote).newStream('/a/1')).rejects.toThrow(/does not handle/)
  })

  it('records close and abort', async () => {
    const remote = new FakeRegistrar()
    const closed = fakePeerConnection(remote)
    expect(closed.closed).toBe(false)
    await closed.close()
    expect(closed.closed).toBe(true)
    const aborted = fakePeerConnection(remote)
    aborted.abort(new Error('gone'))
    expect(aborted.closed).toBe(true)
  })
})
