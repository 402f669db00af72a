/**
 * CertificateVerify (RFC 8446 §4.4.3): the signed content is 64 spaces, a
 * context string naming the sender, a zero byte and the transcript hash.
 * We sign with the libp2p certificate's ECDSA P-256 key; we verify the
 * schemes other stacks' certificate keys may use.
 */
import { constants, type KeyObject, sign, verify } from 'node:crypto'

export const SignatureScheme = {
  ECDSA_SECP256R1_SHA256: 0x0403,
  ECDSA_SECP384R1_SHA384: 0x0503,
  RSA_PSS_RSAE_SHA256: 0x0804,
  ED25519: 0x0807,
} as const

/** What we accept from a peer, in the order we list them. */
export const VERIFY_SCHEMES: readonly number[] = [
  SignatureScheme.ECDSA_SECP256R1_SHA256,
  SignatureScheme.ED25519,
  SignatureScheme.ECDSA_SECP384R1_SHA384,
  SignatureScheme.RSA_PSS_RSAE_SHA256,
]

/** The one we sign with (the libp2p certificate key is ECDSA P-256). */
export const SIGN_SCHEME = SignatureScheme.ECDSA_SECP256R1_SHA256

export function signedContent(sender: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  const context = new TextEncoder().encode(`TLS 1.3, ${sender} CertificateVerify`)
  const content = new Uint8Array(64 + context.length + 1 + transcriptHash.length)
  content.fill(0x20, 0, 64)
  content.set(context, 64)
  content.set(transcriptHash, 64 + context.length + 1)
  return content
}

export function signCertificateVerify(key: KeyObject, content: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', content, { key, dsaEncoding: 'der' }))
}

/** Whether `signature` by `key` over `content` is valid under `scheme`; never throws. */
export function verifyCertificateVerify(
  key: KeyObject,
  scheme: number,
  content: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    switch (scheme) {
      case SignatureScheme.ECDSA_SECP256R1_SHA256:
        return (
          key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
          verify('sha256', content, { key, dsaEncoding: 'der' }, signature)
        )
      case SignatureScheme.ECDSA_SECP384R1_SHA384:
        return (
          key.asymmetricKeyDetails?.namedCurve === 'secp384r1' &&
          verify('sha384', content, { key, dsaEncoding: 'der' }, signature)
        )
      case SignatureScheme.ED25519:
        return key.asymmetricKeyType === 'ed25519' && verify(null, content, key, signature)
      case SignatureScheme.RSA_PSS_RSAE_SHA256:
        return (
          key.asymmetricKeyType === 'rsa' &&
          verify(
            'sha256',
            content,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          )
        )
      default:
        return false
    }
  } catch {
    return false
  }
}
