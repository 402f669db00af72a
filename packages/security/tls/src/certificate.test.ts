import { generateKeyPairSync } from 'node:crypto'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromMultihash } from '@weft/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SPEC_VECTORS } from '../test/vectors.js'
import {
  buildCertificate,
  type CertificateExtension,
  generateCertificate,
  LIBP2P_EXTENSION_OID,
  MAX_CERTIFICATE_LENGTH,
  signedKeyExtension,
  verifyCertificate,
} from './certificate.js'
import * as der from './der.js'
import { InvalidCertificateError } from './errors.js'

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))

async function problemOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(InvalidCertificateError)
  return (err as InvalidCertificateError).problem
}

/** A certificate for a fresh Ed25519 host key, with parts replaced. */
async function customCertificate(
  tweak: {
    notBefore?: Date
    notAfter?: Date
    extensions?: (signed: CertificateExtension) => CertificateExtension[]
    signSpki?: Uint8Array
  } = {},
): Promise<Uint8Array> {
  const hostKey = await generateKeyPair('Ed25519')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
  const signed = await signedKeyExtension(hostKey, tweak.signSpki ?? spki)
  return buildCertificate({
    privateKey,
    publicKey,
    notBefore: tweak.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: tweak.notAfter ?? new Date(Date.now() + 60_000),
    extensions: tweak.extensions?.(signed) ?? [signed],
  })
}

describe('spec test vectors (libp2p/specs tls/tls.md)', () => {
  it.each(['ed25519', 'ecdsa', 'secp256k1'] as const)(
    'accepts the %s certificate and finds its peer id',
    async (type) => {
      const vector = SPEC_VECTORS[type]
      const { peerId } = await verifyCertificate(fromHex(vector.certificate))
      expect(peerId.toString()).toBe(vector.peerId)
    },
  )

  it('refuses the invalid one: the host key did not sign the certificate key', async () => {
    expect(await problemOf(verifyCertificate(fromHex(SPEC_VECTORS.invalid)))).toBe('bad-host-signature')
  })
})

describe('generateCertificate', () => {
  it.each(['Ed25519', 'secp256k1', 'ECDSA', 'RSA'] as const)(
    'makes a certificate that proves a %s host key',
    async (type) => {
      const hostKey = await generateKeyPair(type as 'Ed25519')
      const { certificate, certificatePem, privateKeyPem } = await generateCertificate(hostKey)
      const { peerId } = await verifyCertificate(certificate)
      expect(peerId.equals(peerIdFromMultihash(hostKey.publicKey.toMultihash()))).toBe(true)
      expect(certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n/)
      expect(privateKeyPem).toMatch(/PRIVATE KEY/)
    },
  )

  it('leaves the libp2p extension non-critical, as go-libp2p does', async () => {
    const { certificate } = await generateCertificate(await generateKeyPair('Ed25519'))
    const hex = Buffer.from(certificate).toString('hex')
    const oid = Buffer.from(der.oid(LIBP2P_EXTENSION_OID)).toString('hex')
    expect(hex).toContain(`${oid}04`) // OID followed directly by the OCTET STRING: no BOOLEAN
  })
})

describe('verifyCertificate refuses', () => {
  it('a certificate without the libp2p extension', async () => {
    expect(await problemOf(verifyCertificate(await customCertificate({ extensions: () => [] })))).toBe(
      'missing-extension',
    )
  })

  it('an expired certificate and one not yet valid', async () => {
    const past = await customCertificate({
      notBefore: new Date('2000-01-01Z'),
      notAfter: new Date('2001-01-01Z'),
    })
    expect(await problemOf(verifyCertificate(past))).toBe('expired')
    const future = await customCertificate({ notBefore: new Date(Date.now() + 3600_000) })
    expect(await problemOf(verifyCertificate(future))).toBe('not-yet-valid')
    // both are fine at a time inside their validity
    await expect(verifyCertificate(past, new Date('2000-06-01Z'))).resolves.toBeDefined()
  })

  it('a host signature over another key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    const cert = await customCertificate({
      signSpki: new Uint8Array(other.export({ type: 'spki', format: 'der' })),
    })
    expect(await problemOf(verifyCertificate(cert))).toBe('bad-host-signature')
  })

  it('a broken self-signature', async () => {
    const cert = await customCertificate()
    cert[cert.length - 5] ^= 0x01 // inside the signature's s value
    expect(await problemOf(verifyCertificate(cert))).toBe('bad-self-signature')
  })

  it('an unknown critical extension, but accepts an unknown non-critical one and a critical libp2p one', async () => {
    const unknown = { oid: '1.2.3.4', value: new Uint8Array(1) }
    const critical = await customCertificate({ extensions: (s) => [s, { ...unknown, critical: true }] })
    expect(await problemOf(verifyCertificate(critical))).toBe('unknown-critical-extension')
    await expect(
      verifyCertificate(
        await customCertificate({
          extensions: (s) => [
            { ...s, critical: true },
            { ...unknown, critical: false },
          ],
        }),
      ),
    ).resolves.toBeDefined()
  })

  it('a duplicated extension, a malformed SignedKey and a bad host key', async () => {
    expect(await problemOf(verifyCertificate(await customCertificate({ extensions: (s) => [s, s] })))).toBe(
      'duplicate-extension',
    )
    const garbled = await customCertificate({ extensions: (s) => [{ ...s, value: s.value.subarray(0, 10) }] })
    expect(await problemOf(verifyCertificate(garbled))).toBe('bad-extension')
    const badKey = der.sequence(
      der.octetString(Uint8Array.of(8, 9, 18, 0)),
      der.octetString(new Uint8Array(64)),
    )
    const withBadKey = await customCertificate({ extensions: (s) => [{ ...s, value: badKey }] })
    expect(await problemOf(verifyCertificate(withBadKey))).toBe('bad-host-key')
  })

  it('oversized input without parsing it', async () => {
    expect(await problemOf(verifyCertificate(new Uint8Array(MAX_CERTIFICATE_LENGTH + 1)))).toBe('too-large')
  })

  it('garbage and mutated certificates with a typed error, never anything else', async () => {
    const good = await customCertificate()
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
            const copy = good.slice()
            copy[at] ^= flip
            return copy
          }),
          fc.nat(good.length - 1).map((end) => good.subarray(0, end)),
        ),
        async (input) => {
          const result = await verifyCertificate(input).then(
            () => 'ok',
            (err: unknown) => err,
          )
          // a flip in the unsigned outer parts can leave a valid certificate
          if (result !== 'ok') expect(result).toBeInstanceOf(InvalidCertificateError)
        },
      ),
      { numRuns: 500 },
    )
  })
})
