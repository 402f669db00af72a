/**
 * The libp2p TLS certificate (libp2p/specs tls/tls.md, "Peer Authentication"):
 * a self-signed X.509 v3 certificate (RFC 5280 §4.1) on an ephemeral ECDSA
 * P-256 key, carrying the libp2p Public Key Extension (OID
 * 1.3.6.1.4.1.53594.1.1) whose SignedKey holds the host's public key
 * (libp2p protobuf) and the host key's signature over
 * `"libp2p-tls-handshake:" || SubjectPublicKeyInfo`.
 *
 * `verifyCertificate` is total: any input ends in a peer id or an
 * `InvalidCertificateError` naming the problem. The DER walk is ours (Node
 * cannot list extensions); `crypto.X509Certificate` checks the self-signature.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromMultihash, peerIdFromPublicKey } from '@weft/peer-id'
import * as der from './der.js'
import { InvalidCertificateError, InvalidDerError } from './errors.js'

export const LIBP2P_EXTENSION_OID = '1.3.6.1.4.1.53594.1.1'
export const SIGNATURE_PREFIX = new TextEncoder().encode('libp2p-tls-handshake:')
/** Certificates larger than this are refused before parsing (an RSA-4096 host key needs ~1.5 KiB). */
export const MAX_CERTIFICATE_LENGTH = 16 * 1024
/** Extensions per certificate we are willing to look at. */
export const MAX_EXTENSIONS = 32
/** Like go-libp2p: valid from an hour ago (clock skew) for about a hundred years. */
export const CERTIFICATE_VALIDITY_MS = 100 * 365 * 24 * 3600 * 1000

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const SUBJECT_SERIAL_NUMBER = '2.5.4.5'
/**
 * Standard extensions whose presence (even critical) changes nothing for a
 * self-signed libp2p certificate; other stacks' generators may add them.
 */
const UNDERSTOOD_EXTENSIONS = new Set([
  LIBP2P_EXTENSION_OID,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extKeyUsage
])

export interface CertificateExtension {
  oid: string
  critical: boolean
  value: Uint8Array
}

export interface BuildCertificateInit {
  /** the certificate's own key pair (ECDSA P-256) */
  privateKey: KeyObject
  publicKey: KeyObject
  notBefore: Date
  notAfter: Date
  extensions: CertificateExtension[]
}

/** An X.509 v3 certificate signed by its own key (ecdsa-with-SHA256). */
export function buildCertificate(init: BuildCertificateInit): Uint8Array {
  const algorithm = der.sequence(der.oid(ECDSA_WITH_SHA256))
  const serial = randomBytes(8)
  serial[0] = (serial[0] as number) & 0x7f
  const name = der.sequence(
    der.set(
      der.sequence(
        der.oid(SUBJECT_SERIAL_NUMBER),
        der.printableString(randomBytes(8).readBigUInt64BE().toString()),
      ),
    ),
  )
  const extensions = init.extensions.map((ext) =>
    der.sequence(der.oid(ext.oid), ...(ext.critical ? [der.boolean(true)] : []), der.octetString(ext.value)),
  )
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(serial),
    algorithm,
    name,
    der.sequence(der.time(init.notBefore), der.time(init.notAfter)),
    name,
    spkiOf(init.publicKey),
    ...(extensions.length > 0 ? [der.explicit(3, der.sequence(...extensions))] : []),
  )
  const signature = sign('sha256', tbs, { key: init.privateKey, dsaEncoding: 'der' })
  return der.sequence(tbs, algorithm, der.bitString(signature))
}

/** The SignedKey extension binding `spki` (the certificate key) to the host key. */
export async function signedKeyExtension(
  hostKey: PrivateKey,
  spki: Uint8Array,
): Promise<CertificateExtension> {
  const signature = await hostKey.sign(concat(SIGNATURE_PREFIX, spki))
  const value = der.sequence(
    der.octetString(publicKeyToProtobuf(hostKey.publicKey)),
    der.octetString(signature),
  )
  return { oid: LIBP2P_EXTENSION_OID, critical: false, value }
}

export interface Certificate {
  /** DER */
  certificate: Uint8Array
  /** PEM forms for node:tls */
  certificatePem: string
  privateKeyPem: string
}

/**
 * A fresh certificate for `hostKey`. The extension is not marked critical, as
 * go-libp2p does: the spec allows both, and older stacks reject critical ones.
 */
export async function generateCertificate(hostKey: PrivateKey, now = new Date()): Promise<Certificate> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const extension = await signedKeyExtension(hostKey, spkiOf(publicKey))
  const certificate = buildCertificate({
    privateKey,
    publicKey,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + CERTIFICATE_VALIDITY_MS),
    extensions: [extension],
  })
  return {
    certificate,
    certificatePem: toPem(certificate),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  }
}

export interface VerifiedCertificate {
  publicKey: PublicKey
  peerId: PeerId
}

/** The parts of a certificate the checks need, as views into the DER. */
interface ParsedCertificate {
  notBefore: Date
  notAfter: Date
  spki: Uint8Array
  extensions: CertificateExtension[]
}

/**
 * Checks one certificate by the spec's rules and returns the host key it
 * proves. Throws `InvalidCertificateError` (and nothing else).
 */
export async function verifyCertificate(bytes: Uint8Array, now = new Date()): Promise<VerifiedCertificate> {
  if (bytes.length > MAX_CERTIFICATE_LENGTH) {
    throw new InvalidCertificateError(
      'too-large',
      `a certificate of ${bytes.length} bytes exceeds ${MAX_CERTIFICATE_LENGTH}`,
    )
  }
  let parsed: ParsedCertificate
  try {
    parsed = parseCertificate(bytes)
  } catch (err) {
    if (err instanceof InvalidCertificateError) throw err
    throw new InvalidCertificateError('malformed', `malformed certificate: ${(err as Error).message}`, {
      cause: err,
    })
  }
  if (now < parsed.notBefore) {
    throw new InvalidCertificateError(
      'not-yet-valid',
      `the certificate is valid from ${parsed.notBefore.toISOString()}`,
    )
  }
  if (now > parsed.notAfter) {
    throw new InvalidCertificateError(
      'expired',
      `the certificate expired at ${parsed.notAfter.toISOString()}`,
    )
  }
  const seen = new Set<string>()
  let libp2p: CertificateExtension | undefined
  for (const ext of parsed.extensions) {
    if (seen.has(ext.oid))
      throw new InvalidCertificateError('duplicate-extension', `extension ${ext.oid} appears twice`)
    seen.add(ext.oid)
    if (ext.oid === LIBP2P_EXTENSION_OID) libp2p = ext
    else if (ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.oid)) {
      throw new InvalidCertificateError('unknown-critical-extension', `unknown critical extension ${ext.oid}`)
    }
  }
  if (libp2p == null) {
    throw new InvalidCertificateError(
      'missing-extension',
      `the certificate has no ${LIBP2P_EXTENSION_OID} extension`,
    )
  }
  checkSelfSignature(bytes)

  let hostKeyBytes: Uint8Array
  let signature: Uint8Array
  try {
    const fields = der.children(der.readOne(libp2p.value, der.TAG_SEQUENCE, 'the SignedKey'))
    hostKeyBytes = fields.read(der.TAG_OCTET_STRING).value
    signature = fields.read(der.TAG_OCTET_STRING).value
    fields.end('the SignedKey fields')
  } catch (err) {
    throw new InvalidCertificateError('bad-extension', `bad SignedKey: ${(err as Error).message}`, {
      cause: err,
    })
  }
  let publicKey: PublicKey
  try {
    publicKey = publicKeyFromProtobuf(hostKeyBytes)
  } catch (err) {
    throw new InvalidCertificateError('bad-host-key', `bad host key: ${(err as Error).message}`, {
      cause: err,
    })
  }
  let valid = false
  try {
    valid = await publicKey.verify(concat(SIGNATURE_PREFIX, parsed.spki), signature)
  } catch (err) {
    throw new InvalidCertificateError('bad-host-signature', `host signature: ${(err as Error).message}`, {
      cause: err,
    })
  }
  if (!valid) {
    throw new InvalidCertificateError('bad-host-signature', 'the host key did not sign the certificate key')
  }
  return { publicKey, peerId: peerIdOf(publicKey) }
}

/** ECDSA keys have no PeerId type of their own: their id is the sha2-256 multihash, as in the spec. */
function peerIdOf(publicKey: PublicKey): PeerId {
  return publicKey.type === 'ECDSA'
    ? peerIdFromMultihash(publicKey.toMultihash())
    : peerIdFromPublicKey(publicKey)
}

/** Walks Certificate and TBSCertificate (RFC 5280 §4.1) far enough to check them. */
function parseCertificate(bytes: Uint8Array): ParsedCertificate {
  const certificate = der.children(der.readOne(bytes, der.TAG_SEQUENCE, 'the certificate'))
  const tbs = der.children(certificate.read(der.TAG_SEQUENCE))
  certificate.read(der.TAG_SEQUENCE) // signatureAlgorithm, checked by X509Certificate
  der.decodeBitString(certificate.read(der.TAG_BIT_STRING))
  certificate.end('the certificate')

  const version = tbs.readOptional(der.contextTag(0))
  const versionNumber =
    version == null ? 0 : der.decodeSmallInteger(der.readOne(version.value, der.TAG_INTEGER, 'the version'))
  if (versionNumber !== 2)
    throw new InvalidDerError(`expected an X.509 v3 certificate, got version ${versionNumber + 1}`)
  tbs.read(der.TAG_INTEGER) // serialNumber
  tbs.read(der.TAG_SEQUENCE) // signature
  tbs.read(der.TAG_SEQUENCE) // issuer
  const validity = der.children(tbs.read(der.TAG_SEQUENCE))
  const notBefore = der.decodeTime(validity.read())
  const notAfter = der.decodeTime(validity.read())
  validity.end('the validity')
  tbs.read(der.TAG_SEQUENCE) // subject
  const spki = tbs.read(der.TAG_SEQUENCE).encoded
  if (tbs.peekTag() === der.contextTag(1, false) || tbs.peekTag() === der.contextTag(2, false)) {
    throw new InvalidCertificateError(
      'unique-id-present',
      'the certificate carries issuerUniqueID or subjectUniqueID',
    )
  }
  const extensions: CertificateExtension[] = []
  const wrapper = tbs.readOptional(der.contextTag(3))
  tbs.end('the TBSCertificate')
  if (wrapper != null) {
    const list = der.children(der.readOne(wrapper.value, der.TAG_SEQUENCE, 'the extensions'))
    while (!list.done) {
      if (extensions.length === MAX_EXTENSIONS)
        throw new InvalidDerError(`more than ${MAX_EXTENSIONS} extensions`)
      const fields = der.children(list.read(der.TAG_SEQUENCE))
      const oid = der.decodeOid(fields.read(der.TAG_OID))
      const flag = fields.readOptional(der.TAG_BOOLEAN)
      const critical = flag == null ? false : der.decodeBoolean(flag)
      const value = fields.read(der.TAG_OCTET_STRING).value
      fields.end(`extension ${oid}`)
      extensions.push({ oid, critical, value })
    }
  }
  return { notBefore, notAfter, spki, extensions }
}

function checkSelfSignature(bytes: Uint8Array): void {
  let ok = false
  try {
    const x509 = new X509Certificate(bytes)
    ok = x509.verify(x509.publicKey)
  } catch (err) {
    throw new InvalidCertificateError(
      'bad-self-signature',
      `cannot check the self-signature: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  if (!ok) throw new InvalidCertificateError('bad-self-signature', 'the self-signature is not valid')
}

function spkiOf(publicKey: KeyObject): Uint8Array {
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
}

function toPem(certificate: Uint8Array): string {
  const base64 = Buffer.from(certificate).toString('base64')
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
