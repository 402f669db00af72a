/**
 * QUIC (its own TLS 1.3 handshake, the libp2p certificate): a dial that
 * expects another peer, a forged or stolen certificate, a tampered libp2p
 * extension and replayed handshake datagrams are refused, the refusing side
 * closes with CONNECTION_CLOSE (CRYPTO_ERROR 0x100 + the TLS alert, RFC 9001
 * §4.8), and the listener keeps serving an honest dialer.
 */
import type { Connection, PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import type { Host } from '@weft/host'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { TlsAlert, TransportErrorCode } from '@weft/quic'
import { type Certificate, generateCertificate } from '@weft/tls'
import { afterEach, describe, expect, it } from 'vitest'
import { forgedCertificate, tamperedCertificate } from './fixtures/certificates.js'
import { portOf, quicHost, rejection, stopAll, waitFor } from './fixtures/hosts.js'
import {
  closeQuicPeers,
  quicClient,
  quicServer,
  replayDatagrams,
  replayingUdpServer,
  startUdpTap,
} from './fixtures/quic-peer.js'

afterEach(async () => {
  await closeQuicPeers()
  await stopAll()
})

const BAD_CERTIFICATE = TransportErrorCode.CRYPTO_ERROR + TlsAlert.BAD_CERTIFICATE
const DECRYPT_ERROR = TransportErrorCode.CRYPTO_ERROR + TlsAlert.DECRYPT_ERROR

const at = (port: number, peer?: { toString(): string }) =>
  multiaddr(`/ip4/127.0.0.1/udp/${port}/quic-v1${peer == null ? '' : `/p2p/${peer.toString()}`}`)

const codeOf = (err: Error | undefined): number | undefined => (err as { code?: number } | undefined)?.code

function opened(host: Host): Connection[] {
  const connections: Connection[] = []
  host.addEventListener('connection:open', (evt) => connections.push(evt.detail))
  return connections
}

async function noConnections(...hosts: Host[]): Promise<void> {
  await waitFor(() => hosts.every((host) => host.getConnections().length === 0), 'every connection to close')
}

/** The victim's genuine certificate, presented by someone holding another certificate key. */
async function stolenCertificate(victim: PrivateKey, thief: PrivateKey): Promise<Certificate> {
  const genuine = await generateCertificate(victim)
  return { ...genuine, privateKeyPem: (await generateCertificate(thief)).privateKeyPem }
}

/** A client presenting `certificate` is refused with `code`; the listener opens nothing and still serves. */
async function refusedAsClient(certificate: Certificate, code: number): Promise<void> {
  const listener = await quicHost()
  const listenerOpened = opened(listener)
  const client = await quicClient(portOf(listener), certificate)
  expect(codeOf(await client.closed)).toBe(code)
  expect(listenerOpened).toEqual([])
  const honest = await (await quicHost()).dial(at(portOf(listener), listener.peerId))
  expect(honest.remotePeer.equals(listener.peerId)).toBe(true)
}

/** A dialer that expects `victim` refuses a server presenting `certificate`, closing with `code`. */
async function refusedAsServer(certificate: Certificate, victim: PrivateKey, code: number): Promise<void> {
  const server = await quicServer(certificate)
  const dialer = await quicHost({ dialTimeout: 3_000 })
  const err = await rejection(dialer.dial(at(server.port, peerIdFromPrivateKey(victim))))
  expect(err.name).toBe('CryptoError')
  expect(codeOf(err)).toBe(code)
  // the forger heard the refusal as a CONNECTION_CLOSE carrying the same code
  expect(codeOf(await (await server.first).closed)).toBe(code)
  await noConnections(dialer)
}

describe('quic identity', () => {
  it('a dial that expects another peer fails with UnexpectedPeerError and leaves no connection', async () => {
    const listener = await quicHost()
    const dialer = await quicHost()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const err = await rejection(dialer.dial(at(portOf(listener), stranger)))
    expect(err.name).toBe('UnexpectedPeerError')
    await noConnections(dialer, listener)
    const honest = await dialer.dial(at(portOf(listener), listener.peerId))
    expect(honest.remotePeer.equals(listener.peerId)).toBe(true)
  })

  it("key substitution: the victim's SignedKey on the forger's certificate key is refused in both roles", async () => {
    const victim = await generateKeyPair('Ed25519')
    const forged = await forgedCertificate(victim, await generateKeyPair('Ed25519'))
    await refusedAsClient(forged, BAD_CERTIFICATE)
    await refusedAsServer(forged, victim, BAD_CERTIFICATE)
  })

  it("the victim's genuine certificate without its key fails CertificateVerify in both roles", async () => {
    const victim = await generateKeyPair('Ed25519')
    const stolen = await stolenCertificate(victim, await generateKeyPair('Ed25519'))
    await refusedAsClient(stolen, DECRYPT_ERROR)
    await refusedAsServer(stolen, victim, DECRYPT_ERROR)
  })

  it('a bit flipped in the libp2p extension is refused in both roles', async () => {
    const holder = await generateKeyPair('Ed25519')
    const tampered = await tamperedCertificate(holder, -1)
    await refusedAsClient(tampered, BAD_CERTIFICATE)
    await refusedAsServer(tampered, holder, BAD_CERTIFICATE)
  })

  it('a replayed handshake fails both ways and the listener keeps serving', async () => {
    const listener = await quicHost({ handshakeTimeout: 1_000 })
    const dialer = await quicHost()
    const tap = await startUdpTap(portOf(listener))
    const recordedSession = await dialer.dial(at(tap.port, listener.peerId))
    expect(recordedSession.remotePeer.equals(listener.peerId)).toBe(true)
    // the client is done a flight before the server: let the listener see the session before it ends
    await waitFor(() => listener.getConnections().length === 1, 'the listener to open the recorded session')
    await recordedSession.close()
    await noConnections(dialer, listener)
    const listenerOpened = opened(listener)

    // the client's datagrams again, from a new address. While the old connection drains its IDs
    // swallow them; after, the Initial opens (its keys come from its DCID) and gets fresh keys in
    // answer, but the recorded Handshake packets no longer decrypt: the handshake times out
    let answers = 0
    for (let attempt = 0; attempt < 10 && answers === 0; attempt++) {
      answers = await replayDatagrams(portOf(listener), tap.recorded.client, 300)
    }
    expect(answers).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(listenerOpened).toEqual([])

    // the listener's datagrams, played to a new dialer: nothing it can open, the dial gives up
    const fake = await replayingUdpServer(tap.recorded.server)
    const newDialer = await quicHost({ dialTimeout: 1_000 })
    const err = await rejection(newDialer.dial(at(fake, listener.peerId)))
    expect(err.name).toBe('TimeoutError')
    await noConnections(newDialer)

    const honest = await newDialer.dial(at(portOf(listener), listener.peerId))
    expect(honest.remotePeer.equals(listener.peerId)).toBe(true)
  })
})
