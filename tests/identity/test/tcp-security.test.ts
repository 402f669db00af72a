/**
 * Noise and TLS between two weft hosts over TCP: a dial that expects another
 * peer, an active man in the middle with its own identity, a replayed
 * handshake and bytes flipped in flight are all refused, and nothing stays
 * connected afterwards.
 */
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import type { Host } from '@weft/host'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { portOf, rejection, stopAll, type TcpSecurity, tcpHost, waitFor } from './fixtures/hosts.js'
import { startMitm } from './fixtures/tcp-mitm.js'
import { closeTaps, replayingServer, replayToListener, startTap } from './fixtures/tcp-tap.js'

afterEach(async () => {
  await closeTaps()
  await stopAll()
})

/**
 * Where to flip a byte, per direction, in the bytes after the TCP connect:
 * inside the sender's encrypted identity (Noise: the payload of message 2 or
 * 3 starts at 110 or 112, after the multistream-select lines; TLS: past the
 * ServerHello or ClientHello, in the records carrying the certificate).
 */
const FLIP: Record<TcpSecurity, Record<'dialer' | 'listener', number>> = {
  noise: { listener: 200, dialer: 200 },
  tls: { listener: 500, dialer: 600 },
}

const at = (port: number, peer?: { toString(): string }) =>
  multiaddr(`/ip4/127.0.0.1/tcp/${port}${peer == null ? '' : `/p2p/${peer.toString()}`}`)

/** Counts the connections `host` ever opened. */
function opened(host: Host): Connection[] {
  const connections: Connection[] = []
  host.addEventListener('connection:open', (evt) => connections.push(evt.detail))
  return connections
}

async function noConnections(...hosts: Host[]): Promise<void> {
  await waitFor(() => hosts.every((host) => host.getConnections().length === 0), 'every connection to close')
}

describe.each<TcpSecurity>(['noise', 'tls'])('%s over TCP', (security) => {
  it('a dial that expects another peer fails with UnexpectedPeerError and leaves no connection', async () => {
    const listener = await tcpHost(security)
    const dialer = await tcpHost(security)
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const listenerOpened = opened(listener)
    const err = await rejection(dialer.dial(at(portOf(listener), stranger)))
    expect(err.name).toBe('UnexpectedPeerError')
    await noConnections(dialer, listener)
    // the listener never opened a connection to a dialer that refused it
    expect(listenerOpened).toEqual([])
    // the listener still serves the right dialer
    const connection = await dialer.dial(at(portOf(listener), listener.peerId))
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
  })

  it('an active man in the middle with its own key: the dialer refuses it, each side sees only its id', async () => {
    const listener = await tcpHost(security)
    const dialer = await tcpHost(security)
    const mitm = await startMitm(security, portOf(listener), await generateKeyPair('Ed25519'))
    try {
      const err = await rejection(dialer.dial(at(mitm.port, listener.peerId)))
      expect(err.name).toBe('UnexpectedPeerError')
      await noConnections(dialer, listener)

      // a dialer that expects nobody in particular reaches the man in the middle, not the listener
      const connection = await dialer.dial(at(mitm.port))
      expect(connection.remotePeer.equals(mitm.peerId)).toBe(true)
      await waitFor(() => listener.getConnections().length > 0, 'the relayed connection')
      const seenByListener = listener.getConnections().map((c) => c.remotePeer.toString())
      expect(seenByListener).toEqual([mitm.peerId.toString()])
      expect(seenByListener).not.toContain(dialer.peerId.toString())
      expect(mitm.seen.listener.every((peer) => peer.equals(listener.peerId))).toBe(true)
      expect(mitm.seen.dialer.every((peer) => peer.equals(dialer.peerId))).toBe(true)
    } finally {
      await mitm.close()
    }
  })

  it('a replayed handshake fails both ways and the listener keeps serving', async () => {
    const listener = await tcpHost(security)
    const dialer = await tcpHost(security)
    const tap = await startTap(portOf(listener))
    const recordedSession = await dialer.dial(at(tap.port, listener.peerId))
    expect(recordedSession.remotePeer.equals(listener.peerId)).toBe(true)
    // the dialer may be done before the listener: let the listener see the session before it ends
    await waitFor(() => listener.getConnections().length === 1, 'the listener to open the recorded session')
    await recordedSession.close()
    await noConnections(dialer, listener)
    const listenerOpened = opened(listener)

    // the dialer's bytes, sent again to the listener: it answers with fresh keys, then hangs up
    const replay = await replayToListener(portOf(listener), tap.bytes('dialer'))
    expect(replay.received).toBeGreaterThan(0)
    expect(replay.closedByListener).toBe(true)
    expect(listenerOpened).toEqual([])

    // the listener's bytes, played to a new dialer that expects the listener
    const fake = await replayingServer(tap.bytes('listener'))
    const newDialer = await tcpHost(security)
    const err = await rejection(newDialer.dial(at(fake.port, listener.peerId)))
    expect(['InvalidCryptoExchangeError', 'DecryptionError']).toContain(err.name)
    await noConnections(newDialer, listener)

    const honest = await newDialer.dial(at(portOf(listener), listener.peerId))
    expect(honest.remotePeer.equals(listener.peerId)).toBe(true)
  })

  it("a byte flipped in the listener's handshake: the dialer refuses, nothing stays connected", async () => {
    const listener = await tcpHost(security)
    const dialer = await tcpHost(security)
    let flipped = 0
    const tap = await startTap(portOf(listener), (chunk, from, offset) => {
      const index = FLIP[security].listener - offset
      if (from === 'listener' && index >= 0 && index < chunk.length) {
        chunk[index] = (chunk[index] as number) ^ 0x01
        flipped++
      }
    })
    const err = await rejection(dialer.dial(at(tap.port, listener.peerId)))
    expect(flipped).toBe(1)
    expect(err.name).toBe('InvalidCryptoExchangeError')
    await noConnections(dialer, listener)
  })

  it("a byte flipped in the dialer's handshake: the listener refuses, nothing stays connected", async () => {
    const listener = await tcpHost(security)
    const dialer = await tcpHost(security)
    const listenerOpened = opened(listener)
    let flipped = 0
    const tap = await startTap(portOf(listener), (chunk, from, offset) => {
      const index = FLIP[security].dialer - offset
      if (from === 'dialer' && index >= 0 && index < chunk.length) {
        chunk[index] = (chunk[index] as number) ^ 0x01
        flipped++
      }
    })
    // the dialer may finish its side first (its last message is in flight): only the listener decides
    await dialer.dial(at(tap.port, listener.peerId)).catch(() => undefined)
    await waitFor(() => flipped === 1, 'the flipped byte to pass the tap')
    await noConnections(dialer, listener)
    expect(listenerOpened).toEqual([])
  })
})
