/**
 * Errors thrown by @weft/crypto. The key conditions `@libp2p/interface`
 * already names are re-exported from there, so code matching on `.name` treats
 * weft and js-libp2p keys alike.
 */
export {
  InvalidMultihashError,
  InvalidParametersError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  UnsupportedKeyTypeError,
} from '@libp2p/interface'

/** An RSA key's modulus is outside the sizes weft accepts (a limit, not malformed bytes). */
export class UnsupportedKeySizeError extends Error {
  static override name = 'UnsupportedKeySizeError'
  override name = 'UnsupportedKeySizeError'
  constructor(
    readonly bits: number,
    readonly min: number,
    readonly max: number,
  ) {
    super(`expected an RSA key of ${min} to ${max} bits, got ${bits} bits`)
  }
}
