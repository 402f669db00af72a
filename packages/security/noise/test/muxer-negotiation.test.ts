import { describe, expect, it } from 'vitest'
import { createPeer, securePair } from './fixtures.js'

const YAMUX = '/yamux/1.0.0'
const MPLEX = '/mplex/6.7.0'

describe('stream muxer negotiation in the handshake', () => {
  it("agrees on the initiator's first choice that the responder supports", async () => {
    const dialer = await createPeer('Ed25519', {}, [YAMUX, MPLEX])
    const listener = await createPeer('Ed25519', {}, [MPLEX, YAMUX])
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.streamMuxer?.protocol).toBe(YAMUX)
    expect(inbound.streamMuxer?.protocol).toBe(YAMUX)
    expect(outbound.remoteExtensions?.streamMuxers).toEqual([MPLEX, YAMUX])
    // the initiator sends only its pick, so responders that read the lists
    // in the other order (js-libp2p-noise) still agree
    expect(inbound.remoteExtensions?.streamMuxers).toEqual([YAMUX])
  })

  it('returns the factory the upgrader registered', async () => {
    const dialer = await createPeer('Ed25519', {}, ['/other/1.0.0', MPLEX])
    const listener = await createPeer('Ed25519', {}, [MPLEX])
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.streamMuxer?.protocol).toBe(MPLEX)
    expect(inbound.streamMuxer?.protocol).toBe(MPLEX)
  })

  it('agrees on nothing when the lists do not overlap', async () => {
    const dialer = await createPeer('Ed25519', {}, [YAMUX])
    const listener = await createPeer('Ed25519', {}, [MPLEX])
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.streamMuxer).toBeUndefined()
    expect(inbound.streamMuxer).toBeUndefined()
  })

  it.each([
    ['the responder', [YAMUX], undefined],
    ['the initiator', undefined, [YAMUX]],
  ])('agrees on nothing when %s sends no extension', async (_, dialerMuxers, listenerMuxers) => {
    const dialer = await createPeer('Ed25519', {}, dialerMuxers)
    const listener = await createPeer('Ed25519', {}, listenerMuxers)
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.streamMuxer).toBeUndefined()
    expect(inbound.streamMuxer).toBeUndefined()
    const silent = dialerMuxers == null ? inbound : outbound
    expect(silent.remoteExtensions).toBeUndefined()
  })

  it('honours skipStreamMuxerNegotiation on either side', async () => {
    const dialer = await createPeer('Ed25519', {}, [YAMUX])
    const listener = await createPeer('Ed25519', {}, [YAMUX])
    const skipDialer = await securePair(dialer, listener, { outbound: { skipStreamMuxerNegotiation: true } })
    expect(skipDialer.outbound.streamMuxer).toBeUndefined()
    expect(skipDialer.inbound.streamMuxer).toBeUndefined()
    expect(skipDialer.inbound.remoteExtensions).toBeUndefined()
    const skipListener = await securePair(dialer, listener, { inbound: { skipStreamMuxerNegotiation: true } })
    expect(skipListener.outbound.streamMuxer).toBeUndefined()
    expect(skipListener.inbound.streamMuxer).toBeUndefined()
  })

  it('offers init.extensions.streamMuxers instead of the upgrader order', async () => {
    const dialer = await createPeer('Ed25519', { extensions: { streamMuxers: [MPLEX, YAMUX] } }, [
      YAMUX,
      MPLEX,
    ])
    const listener = await createPeer('Ed25519', {}, [YAMUX, MPLEX])
    const { outbound, inbound } = await securePair(dialer, listener)
    // the initiator's pick follows the init order, and it sends only its pick
    expect(inbound.remoteExtensions?.streamMuxers).toEqual([MPLEX])
    expect(outbound.streamMuxer?.protocol).toBe(MPLEX)
    expect(inbound.streamMuxer?.protocol).toBe(MPLEX)
  })

  it('reports an agreed protocol without a local factory as no muxer', async () => {
    const dialer = await createPeer('Ed25519', { extensions: { streamMuxers: ['/custom/1'] } })
    const listener = await createPeer('Ed25519', { extensions: { streamMuxers: ['/custom/1'] } })
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.streamMuxer).toBeUndefined()
    expect(inbound.remoteExtensions?.streamMuxers).toEqual(['/custom/1'])
  })
})
