/**
 * TLS key substitution and tampering: a peer presents a certificate whose
 * libp2p extension carries the victim's host key and the victim's genuine
 * signature, but on the forger's own certificate key (the signature covers
 * "libp2p-tls-handshake:" and the victim's SubjectPublicKeyInfo, not this
 * one), or its own extension with one bit flipped. @weft/tls refuses both
 * as client and as server, and the refusing side keeps serving.
 */
import type { PrivateKey } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { type Certificate, generateCertificate, Tls, verifyCertificate } from '@weft/tls'
import { defaultLogger, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { forgedCertificate, tamperedCertificate, withExtension } from './fixtures/certificates.js'
import { rejection } from './fixtures/hosts.js'
import { tlsClient, tlsServer } from './fixtures/tls-peer.js'

function tlsFor(privateKey: PrivateKey): Tls {
  return new Tls({ privateKey, peerId: peerIdFromPrivateKey(privateKey), logger: defaultLogger() })
}

/** @weft/tls as server against a node:tls client presenting `certificate`. */
async function asServer(server: Tls, certificate: Certificate, expected?: PrivateKey): Promise<Error> {
  const [a, b] = streamPair()
  const client = tlsClient(a, certificate)
  const remotePeer = expected == null ? undefined : peerIdFromPrivateKey(expected)
  const err = await rejection(server.secureInbound(b, { remotePeer, signal: AbortSignal.timeout(5_000) }))
  b.abort(err)
  await client.outcome
  client.socket.destroy()
  return err
}

/** The same harness with a genuine certificate: accepted, so a refusal above is the certificate's. */
async function acceptedAsServer(server: Tls, certificate: Certificate): Promise<string> {
  const [a, b] = streamPair()
  const client = tlsClient(a, certificate)
  const secured = await server.secureInbound(b, { signal: AbortSignal.timeout(5_000) })
  expect(await client.outcome).toBeUndefined()
  secured.connection.abort(new Error('test over'))
  client.socket.destroy()
  return secured.remotePeer.toString()
}

/** @weft/tls as client, expecting `expected`, against a node:tls server presenting `certificate`. */
async function asClient(client: Tls, certificate: Certificate, expected: PrivateKey): Promise<Error> {
  const [a, b] = streamPair()
  const server = tlsServer(b, certificate)
  const err = await rejection(
    client.secureOutbound(a, {
      remotePeer: peerIdFromPrivateKey(expected),
      signal: AbortSignal.timeout(5_000),
    }),
  )
  a.abort(err)
  await server.outcome
  server.socket.destroy()
  return err
}

/** An honest handshake between two @weft/tls instances; resolves with the client's view of the server. */
async function honest(client: Tls, server: Tls, serverKey: PrivateKey): Promise<string> {
  const [a, b] = streamPair()
  const signal = AbortSignal.timeout(5_000)
  const [outbound, inbound] = await Promise.all([
    client.secureOutbound(a, { remotePeer: peerIdFromPrivateKey(serverKey), signal }),
    server.secureInbound(b, { signal }),
  ])
  outbound.connection.abort(new Error('test over'))
  inbound.connection.abort(new Error('test over'))
  return outbound.remotePeer.toString()
}

const problemOf = (err: Error): string | undefined => (err as Error & { problem?: string }).problem

describe('tls key substitution', () => {
  it("the victim's SignedKey on the forger's certificate key does not verify", async () => {
    const victim = await generateKeyPair('Ed25519')
    const forged = await forgedCertificate(victim, await generateKeyPair('Ed25519'))
    // the stolen extension is genuine: on the victim's own certificate it proves the victim
    const genuine = await verifyCertificate((await generateCertificate(victim)).certificate)
    expect(genuine.peerId.equals(peerIdFromPrivateKey(victim))).toBe(true)
    // and the forger's rebuild is sound: its own certificate, rebuilt unchanged, still verifies
    const forger = await generateKeyPair('Ed25519')
    const rebuilt = withExtension(await generateCertificate(forger), (value) => value)
    expect((await verifyCertificate(rebuilt.certificate)).peerId.equals(peerIdFromPrivateKey(forger))).toBe(
      true,
    )
    const err = await rejection(verifyCertificate(forged.certificate))
    expect(err.name).toBe('InvalidCertificateError')
    expect(problemOf(err)).toBe('bad-host-signature')
  })

  it('a client presenting the forgery is refused by the server, which then serves an honest client', async () => {
    const victim = await generateKeyPair('Ed25519')
    const serverKey = await generateKeyPair('Ed25519')
    const server = tlsFor(serverKey)
    const forged = await forgedCertificate(victim, await generateKeyPair('Ed25519'))
    for (const expected of [undefined, victim]) {
      const err = await asServer(server, forged, expected)
      expect(err.name).toBe('InvalidCertificateError')
      expect(problemOf(err)).toBe('bad-host-signature')
    }
    expect(await honest(tlsFor(victim), server, serverKey)).toBe(peerIdFromPrivateKey(serverKey).toString())
    expect(await acceptedAsServer(server, await generateCertificate(victim))).toBe(
      peerIdFromPrivateKey(victim).toString(),
    )
  })

  it('a server presenting the forgery is refused by a client that expects the victim', async () => {
    const victim = await generateKeyPair('secp256k1')
    const client = tlsFor(await generateKeyPair('Ed25519'))
    const forged = await forgedCertificate(victim, await generateKeyPair('Ed25519'))
    const err = await asClient(client, forged, victim)
    expect(err.name).toBe('InvalidCertificateError')
    expect(problemOf(err)).toBe('bad-host-signature')
  })
})

describe('tls tampered extension', () => {
  // the SignedKey is SEQUENCE { OCTET STRING host key (protobuf), OCTET STRING signature }:
  // index 13 is inside the Ed25519 key bytes, -1 the signature's last byte
  it.each([
    ['the host key', 13, ['bad-host-key', 'bad-host-signature']],
    ['the signature', -1, ['bad-host-signature']],
  ])('a bit flipped in %s is refused in both roles', async (_part, index, problems) => {
    const holder = await generateKeyPair('Ed25519')
    const tampered = await tamperedCertificate(holder, index)
    const serverKey = await generateKeyPair('Ed25519')
    const server = tlsFor(serverKey)
    const inbound = await asServer(server, tampered)
    expect(inbound.name).toBe('InvalidCertificateError')
    expect(problems).toContain(problemOf(inbound))
    const outbound = await asClient(tlsFor(await generateKeyPair('Ed25519')), tampered, holder)
    expect(outbound.name).toBe('InvalidCertificateError')
    expect(problems).toContain(problemOf(outbound))
    expect(await honest(tlsFor(holder), server, serverKey)).toBe(peerIdFromPrivateKey(serverKey).toString())
  })
})
