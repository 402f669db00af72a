/**
 * weft ⇄ js-libp2p 3.x over TCP + Noise, with each muxer, in both dial
 * directions: connect, ping, identify both ways, and echo over 16 concurrent
 * streams (8 MiB in all on yamux; small payloads on mplex, whose js
 * implementation resets streams under modest load).
 */
import type { IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { ECHO_PROTOCOL, echoHandler, echoRoundTrip, payload } from './echo.js'
import { JS_AGENT, jsNode, type MuxerName, WEFT_AGENT, weftNode } from './nodes.js'

const STREAMS = 16
const SIZES: Record<MuxerName, number> = { yamux: (8 * 1024 * 1024) / STREAMS, mplex: 16 * 1024 }

type PingCapable = Libp2p<{ ping: { ping: (peer: PeerId) => Promise<number> } }>

function nextIdentify(node: Libp2p): Promise<IdentifyResult> {
  return new Promise((resolve) => {
    node.addEventListener('peer:identify', (evt) => resolve(evt.detail), { once: true })
  })
}

describe.each(['yamux', 'mplex'] as const)('weft ⇄ js-libp2p over tcp/noise/%s', (muxer) => {
  const nodes: Libp2p[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  it.each(['weft dials js', 'js dials weft'] as const)('%s: ping, identify, echo', async (direction) => {
    const weft = await weftNode(muxer)
    const js = await jsNode(muxer)
    nodes.push(weft as unknown as Libp2p, js as unknown as Libp2p)
    await weft.handle(ECHO_PROTOCOL, echoHandler)
    await js.handle(ECHO_PROTOCOL, echoHandler)

    const weftPeer = weft as unknown as PingCapable
    const jsLibp2p = js as unknown as PingCapable
    const [dialer, listener] = direction === 'weft dials js' ? [weftPeer, jsLibp2p] : [jsLibp2p, weftPeer]
    const dialerIdentified = nextIdentify(dialer)
    const listenerIdentified = nextIdentify(listener)

    const connection = await dialer.dial(listener.getMultiaddrs()[0]!)
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    expect(connection.encryption).toBe('/noise')
    expect(connection.multiplexer).toBe(muxer === 'yamux' ? '/yamux/1.0.0' : '/mplex/6.7.0')

    const rtt = await dialer.services.ping.ping(listener.peerId)
    expect(rtt).toBeGreaterThanOrEqual(0)
    const reverseRtt = await listener.services.ping.ping(dialer.peerId)
    expect(reverseRtt).toBeGreaterThanOrEqual(0)

    const [seenByDialer, seenByListener] = await Promise.all([dialerIdentified, listenerIdentified])
    const weftSees = direction === 'weft dials js' ? seenByDialer : seenByListener
    const jsSees = direction === 'weft dials js' ? seenByListener : seenByDialer
    expect(weftSees.agentVersion).toBe(JS_AGENT)
    expect(jsSees.agentVersion).toBe(WEFT_AGENT)
    expect(weftSees.protocols).toContain('/ipfs/ping/1.0.0')
    expect(weftSees.protocols).toContain(ECHO_PROTOCOL)
    expect(jsSees.protocols).toContain('/ipfs/ping/1.0.0')
    expect(jsSees.protocols).toContain('/ipfs/id/1.0.0')
    expect(jsSees.protocols).toContain(ECHO_PROTOCOL)
    expect(jsSees.listenAddrs.map(String)).toContain(weft.getMultiaddrs()[0]!.decapsulateCode(421).toString())

    const size = SIZES[muxer]
    const results = await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const data = payload(size, i + 1)
        const stream = await dialer.dialProtocol(listener.peerId, ECHO_PROTOCOL)
        const echoed = await echoRoundTrip(stream, data)
        return Buffer.compare(echoed, data) === 0 && echoed.byteLength === size
      }),
    )
    expect(results).toEqual(Array(STREAMS).fill(true))
  })
})
