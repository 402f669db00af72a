/**
 * ECDSA keys in browsers: not supported yet (the Node build uses node:crypto;
 * a browser build would use @noble/curves' p256/p384/p521 with a small DER
 * reader). Same exports as ecdsa.ts; every import or generation throws
 * `UnsupportedKeyTypeError`.
 */
import { UnsupportedKeyTypeError } from '@libp2p/interface'

export type ECDSACurve = 'P-256' | 'P-384' | 'P-521'

const unsupported = (): never => {
  throw new UnsupportedKeyTypeError('ECDSA keys are not supported in browsers yet')
}

/** Never constructed in browsers. */
export class ECDSAPublicKey {
  readonly type = 'ECDSA' as const
  constructor() {
    unsupported()
  }
}

/** Never constructed in browsers. */
export class ECDSAPrivateKey {
  readonly type = 'ECDSA' as const
  constructor() {
    unsupported()
  }
}

export function ecdsaPublicKeyFromRaw(_der: Uint8Array): never {
  return unsupported()
}

export function ecdsaPrivateKeyFromRaw(_der: Uint8Array): never {
  return unsupported()
}

export function generateECDSAKeyPair(_curve?: ECDSACurve): never {
  return unsupported()
}
