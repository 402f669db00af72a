/** A TLS peer that does not follow the libp2p rules is refused with a typed error. */
import { generateKeyPairSync } from 'node:crypto'
import { connect } from 'node:tls'
import { streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { buildCertificate } from '../src/certificate.js'
import { MessageStreamDuplex } from '../src/duplex.js'
import { InvalidCertificateError, InvalidCryptoExchangeError } from '../src/index.js'
import { createPeer } from './fixtures.js'

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`
}

/** A plain TLS 1.3 client on `stream`, with `cert` (or none) and the `libp2p` ALPN. */
function plainClient(stream: ConstructorParameters<typeof MessageStreamDuplex>[0], withCertificate: boolean) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = buildCertificate({
    privateKey,
    publicKey,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 60_000),
    extensions: [],
  })
  const socket = connect({
    socket: new MessageStreamDuplex(stream),
    minVersion: 'TLSv1.3',
    ALPNProtocols: ['libp2p'],
    rejectUnauthorized: false,
    ...(withCertificate ? { cert: pem(der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) } : {}),
  })
  socket.on('error', () => {})
  return socket
}

describe('the server refuses clients that break the libp2p rules', () => {
  it('a certificate without the libp2p extension: missing-extension', async () => {
    const server = await createPeer()
    const [a, b] = streamPair()
    const client = plainClient(a, true)
    const err = await server.tls.secureInbound(b).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(InvalidCertificateError)
    expect((err as InvalidCertificateError).problem).toBe('missing-extension')
    client.destroy()
  })

  it('no certificate at all', async () => {
    const server = await createPeer()
    const [a, b] = streamPair()
    const client = plainClient(a, false)
    const err = await server.tls.secureInbound(b).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(InvalidCertificateError)
    expect((err as InvalidCertificateError).problem).toBe('missing-certificate')
    client.destroy()
  })

  it('a client offering only unknown ALPN protocols fails the handshake', async () => {
    const server = await createPeer()
    const [a, b] = streamPair()
    const socket = connect({
      socket: new MessageStreamDuplex(a),
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
    })
    socket.on('error', () => {})
    await expect(server.tls.secureInbound(b)).rejects.toBeInstanceOf(InvalidCryptoExchangeError)
    socket.destroy()
  })
})
