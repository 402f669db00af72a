/**
 * Browsers have no node:crypto KeyObject: DER keys (RSA, ECDSA) cannot be
 * parsed here yet, so the probes find nothing and the operations refuse.
 * Same exports as node-key.ts.
 */
import { UnsupportedKeyTypeError } from '@libp2p/interface'

/** The part of node:crypto's KeyObject the callers read. */
interface KeyObjectLike {
  asymmetricKeyType?: string
}

const unsupported = (): never => {
  throw new UnsupportedKeyTypeError('RSA and ECDSA keys are not supported in browsers yet')
}

export function tryPublicKey(_der: Uint8Array, _type: 'spki' | 'pkcs1'): KeyObjectLike | undefined {
  return undefined
}

export function tryPrivateKey(
  _der: Uint8Array,
  _type: 'pkcs8' | 'pkcs1' | 'sec1',
): KeyObjectLike | undefined {
  return undefined
}

export const signSha256 = unsupported
export const verifySha256 = unsupported
export const exportDer = unsupported
export const exportJwk = unsupported
