/**
 * RSA keys in browsers: not supported yet (the Node build uses node:crypto;
 * a browser build would use WebCrypto's RSASSA-PKCS1-v1_5). Same exports as
 * rsa.ts; every import or generation throws `UnsupportedKeyTypeError`, so a
 * peer with an RSA key fails its handshake with that error.
 */
import { UnsupportedKeyTypeError } from '@libp2p/interface'

export const MIN_RSA_BITS = 2048
export const MAX_RSA_BITS = 8192
export const DEFAULT_RSA_BITS = 2048

const unsupported = (): never => {
  throw new UnsupportedKeyTypeError('RSA keys are not supported in browsers yet')
}

/** Never constructed in browsers. */
export class RSAPublicKey {
  readonly type = 'RSA' as const
  constructor() {
    unsupported()
  }
}

/** Never constructed in browsers. */
export class RSAPrivateKey {
  readonly type = 'RSA' as const
  constructor() {
    unsupported()
  }
}

export function rsaPublicKeyFromRaw(_der: Uint8Array): never {
  return unsupported()
}

export function rsaPrivateKeyFromRaw(_der: Uint8Array): never {
  return unsupported()
}

export async function generateRSAKeyPair(_bits?: number): Promise<never> {
  return unsupported()
}
