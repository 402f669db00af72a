import { peerIdFromString } from '@weft/peer-id'
import { encodeLengthPrefixed, logger, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { PeerStreams } from './peer-streams.js'

const PEER = peerIdFromString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')

function peerStreams(init: Partial<ConstructorParameters<typeof PeerStreams>[2]> = {}) {
  let drops = 0
  const peer = new PeerStreams(PEER, '/test/1.0.0', {
    maxInboundDataLength: 64,
    maxOutboundBufferSize: 1000,
    maxInboundStreams: 1,
    log: logger('test'),
    onDrop: () => drops++,
    ...init,
  })
  return { peer, drops: () => drops }
}

describe('PeerStreams', () => {
  it('drops RPCs without a stream, and once the write buffer passes its bound', async () => {
    const { peer, drops } = peerStreams()
    expect(peer.write(Uint8Array.of(1))).toBe(false)
    expect(drops()).toBe(1)
    const [out] = streamPair({ capacity: 100 })
    peer.setOutbound(out)
    let sent = 0
    for (let i = 0; i < 50; i++) if (peer.write(new Uint8Array(100))) sent++
    expect(sent).toBeLessThan(50)
    expect(out.writeBufferLength).toBeLessThanOrEqual(1000)
    expect(peer.droppedRpcs).toBe(drops())
    expect(drops()).toBe(1 + 50 - sent)
  })

  it('reads length-prefixed frames and aborts the stream on an oversized one', async () => {
    const { peer } = peerStreams()
    const [remote, local] = streamPair()
    const frames: number[] = []
    peer.addInbound(local, (frame) => frames.push(frame.byteLength))
    remote.send(encodeLengthPrefixed(new Uint8Array(10)))
    remote.send(encodeLengthPrefixed(new Uint8Array(20)))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(frames).toEqual([10, 20])
    remote.send(encodeLengthPrefixed(new Uint8Array(65)))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(local.status).toBe('aborted')
    expect(peer.inboundStreams).toBe(0)
  })

  it('keeps at most maxInboundStreams inbound streams, aborting the oldest', async () => {
    const { peer } = peerStreams()
    const [, first] = streamPair()
    const [, second] = streamPair()
    peer.addInbound(first, () => {})
    peer.addInbound(second, () => {})
    expect(first.status).toBe('aborted')
    expect(peer.inboundStreams).toBe(1)
    peer.close()
    expect(second.status).toBe('aborted')
  })
})
