import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256 } from '../src/cipher-suite.js'
import { CryptoError, QuicTransportError, TlsAlert } from '../src/errors.js'
import { derivePacketKeys } from '../src/packet-keys.js'
import { protectPacket, unprotectPacket } from '../src/packet-protection.js'
import { HandshakeType } from '../src/tls/handshake-message.js'
import { TlsClient } from '../src/tls/tls-client.js'
import { TlsServer } from '../src/tls/tls-server.js'
import { decodeTransportParameters } from '../src/transport-parameters.js'
import { CLIENT_PARAMETERS, identity, peerIdOf, runHandshake, SERVER_PARAMETERS } from './tls-fixtures.js'

const [alice, bob] = await Promise.all([identity('Ed25519'), identity('secp256k1')])

function endpoints(options: { clientAlpn?: string[]; serverAlpn?: string[] } = {}) {
  return {
    client: new TlsClient({
      certificate: alice.certificate,
      transportParameters: CLIENT_PARAMETERS,
      alpn: options.clientAlpn,
    }),
    server: new TlsServer({
      certificate: bob.certificate,
      transportParameters: SERVER_PARAMETERS,
      alpn: options.serverAlpn,
    }),
  }
}

async function failure(promise: Promise<unknown>): Promise<CryptoError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(QuicTransportError)
  return error as CryptoError
}

describe('TLS 1.3 handshake for QUIC (RFC 8446, RFC 9001 §4)', () => {
  it('completes in memory: both peers proven, parameters exchanged, matching keys at every level', async () => {
    const { client, server } = endpoints()
    const result = await runHandshake(client, server)
    expect(result.client.result?.peerId.toString()).toBe(peerIdOf(bob))
    expect(result.server.result?.peerId.toString()).toBe(peerIdOf(alice))
    expect(result.client.result?.alpn).toBe('libp2p')
    expect(result.server.result?.alpn).toBe('libp2p')
    expect(result.client.result?.suite.name).toBe('TLS_AES_128_GCM_SHA256')
    expect(result.client.result?.transportParameters).toEqual(
      decodeTransportParameters(SERVER_PARAMETERS, 'server'),
    )
    expect(result.server.result?.transportParameters).toEqual(
      decodeTransportParameters(CLIENT_PARAMETERS, 'client'),
    )
    for (const level of ['handshake', 'one-rtt']) {
      const clientWrite = result.client.secrets.get(`write-keys:${level}`)
      expect(clientWrite).toBeDefined()
      expect(result.server.secrets.get(`read-keys:${level}`)).toEqual(clientWrite)
      expect(result.server.secrets.get(`write-keys:${level}`)).toEqual(
        result.client.secrets.get(`read-keys:${level}`),
      )
      expect(clientWrite).not.toEqual(result.client.secrets.get(`read-keys:${level}`))
    }
    // the 1-RTT keys work: a packet from the client opens at the server
    const suite = result.client.result!.suite
    const clientKeys = derivePacketKeys(suite, result.client.secrets.get('write-keys:one-rtt')!)
    const serverKeys = derivePacketKeys(suite, result.server.secrets.get('read-keys:one-rtt')!)
    const packet = protectPacket(clientKeys, Uint8Array.of(0x41, 0, 0), 2, 0, Uint8Array.of(1, 0, 0, 0))
    expect(unprotectPacket(serverKeys, packet, 1, -1).payload).toEqual(Uint8Array.of(1, 0, 0, 0))
    // messages went at the right levels: ClientHello/ServerHello in Initial, the rest in Handshake
    expect(result.client.sent.map((m) => [m.level, m.data[0]])).toEqual([
      ['initial', HandshakeType.CLIENT_HELLO],
      ['handshake', HandshakeType.CERTIFICATE],
      ['handshake', HandshakeType.CERTIFICATE_VERIFY],
      ['handshake', HandshakeType.FINISHED],
    ])
    expect(result.server.sent.map((m) => [m.level, m.data[0]])).toEqual([
      ['initial', HandshakeType.SERVER_HELLO],
      ['handshake', HandshakeType.ENCRYPTED_EXTENSIONS],
      ['handshake', HandshakeType.CERTIFICATE_REQUEST],
      ['handshake', HandshakeType.CERTIFICATE],
      ['handshake', HandshakeType.CERTIFICATE_VERIFY],
      ['handshake', HandshakeType.FINISHED],
    ])
  })

  it('agrees on ChaCha20-Poly1305 when that is what the server prefers, and refuses no common suite', async () => {
    const client = new TlsClient({ certificate: alice.certificate, transportParameters: CLIENT_PARAMETERS })
    const server = new TlsServer({
      certificate: bob.certificate,
      transportParameters: SERVER_PARAMETERS,
      cipherSuites: [TLS_CHACHA20_POLY1305_SHA256],
    })
    const result = await runHandshake(client, server)
    expect(result.client.result?.suite).toBe(TLS_CHACHA20_POLY1305_SHA256)
    expect(result.server.secrets.get('read-keys:one-rtt')).toEqual(
      result.client.secrets.get('write-keys:one-rtt'),
    )

    const aesOnly = new TlsClient({
      certificate: alice.certificate,
      transportParameters: CLIENT_PARAMETERS,
      cipherSuites: [TLS_AES_128_GCM_SHA256],
    })
    const chachaOnly = new TlsServer({
      certificate: bob.certificate,
      transportParameters: SERVER_PARAMETERS,
      cipherSuites: [TLS_CHACHA20_POLY1305_SHA256],
    })
    const err = await failure(runHandshake(aesOnly, chachaOnly))
    expect(err.alert).toBe(TlsAlert.HANDSHAKE_FAILURE)
  })

  it('delivers messages split at any byte boundary', async () => {
    const { client, server } = endpoints()
    const hello = (await client.start())[0]
    if (hello?.type !== 'send') throw new Error('no hello')
    const events = []
    for (let i = 0; i < hello.data.length; i += 7)
      events.push(...(await server.receive('initial', hello.data.subarray(i, i + 7))))
    expect(events.filter((e) => e.type === 'send')).toHaveLength(6)
  })

  it('fails with decrypt_error when a CertificateVerify signature is altered', async () => {
    const { client, server } = endpoints()
    const err = await failure(
      runHandshake(client, server, (from, index, data) => {
        if (from !== 'server' || index !== 4) return data
        const copy = data.slice()
        copy[copy.length - 5] = (copy[copy.length - 5] as number) ^ 0x40
        return copy
      }),
    )
    expect(err).toBeInstanceOf(CryptoError)
    expect(err.alert === TlsAlert.DECRYPT_ERROR || err.alert === TlsAlert.DECODE_ERROR).toBe(true)
  })

  it('fails with decrypt_error when a Finished is altered, on either side', async () => {
    for (const [side, index] of [
      ['server', 5],
      ['client', 3],
    ] as const) {
      const { client, server } = endpoints()
      const err = await failure(
        runHandshake(client, server, (from, i, data) => {
          if (from !== side || i !== index) return data
          const copy = data.slice()
          copy[10] = (copy[10] as number) ^ 1
          return copy
        }),
      )
      expect(err.alert).toBe(TlsAlert.DECRYPT_ERROR)
      expect(err.code).toBe(0x100 + TlsAlert.DECRYPT_ERROR)
    }
  })

  it('fails with bad_certificate on a corrupted certificate', async () => {
    const { client, server } = endpoints()
    const err = await failure(
      runHandshake(client, server, (from, index, data) => {
        if (from !== 'server' || index !== 3) return data
        const copy = data.slice()
        copy[copy.length - 30] = (copy[copy.length - 30] as number) ^ 0xff
        return copy
      }),
    )
    expect(err.alert).toBe(TlsAlert.BAD_CERTIFICATE)
  })

  it('fails with certificate_required when the client sends no certificate', async () => {
    const { client, server } = endpoints()
    const err = await failure(
      runHandshake(client, server, (from, index, data) =>
        // an empty Certificate: context 0, list length 0
        from === 'client' && index === 1
          ? Uint8Array.of(HandshakeType.CERTIFICATE, 0, 0, 4, 0, 0, 0, 0)
          : data,
      ),
    )
    expect(err.alert).toBe(TlsAlert.CERTIFICATE_REQUIRED)
  })

  it('refuses a HelloRetryRequest with handshake_failure', async () => {
    const { client } = endpoints()
    await client.start()
    const hrr = Buffer.from(
      '02000034' +
        '0303' +
        'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c' +
        '00' +
        '1301' +
        '00' +
        '000c' +
        '002b00020304' +
        '003300020017',
      'hex',
    )
    const err = await failure(client.receive('initial', hrr))
    expect(err.alert).toBe(TlsAlert.HANDSHAKE_FAILURE)
    // a failure is final
    await expect(client.receive('initial', hrr)).rejects.toBe(err)
  })

  it('refuses a client without a common ALPN protocol', async () => {
    const { client, server } = endpoints({ clientAlpn: ['h3'] })
    const err = await failure(runHandshake(client, server))
    expect(err.alert).toBe(TlsAlert.NO_APPLICATION_PROTOCOL)
  })

  it('refuses a message at the wrong encryption level', async () => {
    const { client, server } = endpoints()
    const hello = (await client.start())[0]
    if (hello?.type !== 'send') throw new Error('no hello')
    const err = await failure(server.receive('handshake', hello.data))
    expect(err.alert).toBe(TlsAlert.UNEXPECTED_MESSAGE)
  })

  it('never fails with anything but a QUIC transport error on random or mutated input', async () => {
    const { client } = endpoints()
    const hello = (await client.start())[0]
    if (hello?.type !== 'send') throw new Error('no hello')
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 400 }),
        fc.nat({ max: 255 }),
        async (noise, at, value) => {
          const server = new TlsServer({
            certificate: bob.certificate,
            transportParameters: SERVER_PARAMETERS,
          })
          const mutated = hello.data.slice()
          mutated[at % mutated.length] = value
          for (const input of [noise, mutated]) {
            const fresh = new TlsServer({
              certificate: bob.certificate,
              transportParameters: SERVER_PARAMETERS,
            })
            await fresh.receive('initial', input).catch((err: unknown) => {
              expect(err).toBeInstanceOf(QuicTransportError)
            })
          }
          await server.receive('initial', noise).catch(() => undefined)
        },
      ),
      { numRuns: 150 },
    )
  })
})
