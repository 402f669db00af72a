import type { MessageStream, SecuredConnection } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import {
  HandshakeTimeoutError,
  InvalidCryptoExchangeError,
  type TlsStream,
  UnexpectedPeerError,
} from '../src/index.js'
import { createPeer, type Peer } from './fixtures.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function handshake(
  client: Peer,
  server: Peer,
  expected = server,
): Promise<[SecuredConnection, SecuredConnection, MessageStream[]]> {
  const [a, b] = streamPair()
  const [outbound, inbound] = await Promise.all([
    client.tls.secureOutbound(a, { remotePeer: peerIdFromPrivateKey(expected.privateKey) }),
    server.tls.secureInbound(b),
  ])
  return [outbound, inbound, [a, b]]
}

describe('TLS handshake over a stream pair', () => {
  it('authenticates both peers and carries bytes both ways', async () => {
    const client = await createPeer()
    const server = await createPeer()
    const [outbound, inbound] = await handshake(client, server)
    expect(outbound.remotePeer.equals(peerIdFromPrivateKey(server.privateKey))).toBe(true)
    expect(inbound.remotePeer.equals(peerIdFromPrivateKey(client.privateKey))).toBe(true)
    expect(outbound.streamMuxer).toBeUndefined()

    outbound.connection.send(text('ping'))
    expect(
      new TextDecoder().decode((await new StreamReader(inbound.connection).readExact(4)).subarray()),
    ).toBe('ping')
    inbound.connection.send(text('pong!'))
    expect(
      new TextDecoder().decode((await new StreamReader(outbound.connection).readExact(5)).subarray()),
    ).toBe('pong!')
    // no SNI (spec, "Future Extensibility")
    expect((inbound.connection as TlsStream).socket.servername).toBeFalsy()
    await Promise.all([outbound.connection.close(), inbound.connection.close()])
    expect(outbound.connection.status).toBe('closed')
  })

  it('moves 8 MiB with back-pressure, byte for byte', async () => {
    const [outbound, inbound] = await handshake(await createPeer(), await createPeer())
    const total = 8 * 1024 * 1024
    const chunk = new Uint8Array(64 * 1024).map((_, i) => i & 0xff)
    const send = (async () => {
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (!outbound.connection.send(chunk)) await outbound.connection.onDrain()
      }
    })()
    let received = 0
    let mismatch = false
    for await (const data of inbound.connection) {
      const bytes = data instanceof Uint8Array ? data : data.subarray()
      for (let i = 0; i < bytes.length; i += 997)
        if (bytes[i] !== ((received + i) % chunk.length) % 256) mismatch = true
      received += bytes.length
      if (received >= total) break
    }
    await send
    expect(received).toBe(total)
    expect(mismatch).toBe(false)
  })

  it('agrees on the client’s first muxer the server supports, in ALPN', async () => {
    const client = await createPeer({}, ['/yamux/1.0.0', '/mplex/6.7.0'])
    const server = await createPeer({}, ['/mplex/6.7.0', '/yamux/1.0.0'])
    const [outbound, inbound] = await handshake(client, server)
    expect(outbound.streamMuxer?.protocol).toBe('/yamux/1.0.0')
    expect(inbound.streamMuxer?.protocol).toBe('/yamux/1.0.0')

    const mplexOnly = await createPeer({}, ['/mplex/6.7.0'])
    const [o2, i2] = await handshake(client, mplexOnly)
    expect(o2.streamMuxer?.protocol).toBe('/mplex/6.7.0')
    expect(i2.streamMuxer?.protocol).toBe('/mplex/6.7.0')
  })

  it('falls back to "libp2p" (multistream-select later) when no muxer is shared', async () => {
    const [outbound, inbound] = await handshake(
      await createPeer({}, ['/yamux/1.0.0']),
      await createPeer({}, ['/mplex/6.7.0']),
    )
    expect(outbound.streamMuxer).toBeUndefined()
    expect(inbound.streamMuxer).toBeUndefined()
  })

  it('fails with UnexpectedPeerError when the remote is not the expected peer', async () => {
    const client = await createPeer()
    const server = await createPeer()
    const other = await createPeer()
    const [a, b] = streamPair()
    const outbound = client.tls.secureOutbound(a, { remotePeer: peerIdFromPrivateKey(other.privateKey) })
    const inbound = server.tls.secureInbound(b)
    await expect(outbound).rejects.toBeInstanceOf(UnexpectedPeerError)
    // the upgrader aborts the raw connection of a failed upgrade
    a.abort(new Error('upgrade failed'))
    await inbound.then(
      (result) => result.connection.abort(new Error('test over')),
      () => {},
    )
  })

  it('times out with HandshakeTimeoutError when the remote says nothing', async () => {
    const server = await createPeer({ handshakeTimeout: 200 })
    const [a, b] = streamPair()
    const started = Date.now()
    await expect(server.tls.secureInbound(b)).rejects.toBeInstanceOf(HandshakeTimeoutError)
    expect(Date.now() - started).toBeLessThan(2_000)
    a.abort(new Error('test over'))
  })

  it('gives the caller’s signal reason when it aborts first', async () => {
    const client = await createPeer()
    const [a] = streamPair()
    const reason = new Error('dial cancelled')
    const controller = new AbortController()
    const pending = client.tls.secureOutbound(a, { signal: controller.signal })
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  it('fails with InvalidCryptoExchangeError on garbage and on a closed connection', async () => {
    const server = await createPeer()
    const [a, b] = streamPair()
    const pending = server.tls.secureInbound(b)
    a.send(new Uint8Array(300).fill(0x42))
    await expect(pending).rejects.toBeInstanceOf(InvalidCryptoExchangeError)

    const client = await createPeer()
    const [c, d] = streamPair()
    const outbound = client.tls.secureOutbound(c)
    await d.close()
    await expect(outbound).rejects.toBeInstanceOf(InvalidCryptoExchangeError)
  })
})
