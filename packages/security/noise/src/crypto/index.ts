/**
 * The primitives Noise_XX_25519_ChaChaPoly_SHA256 needs (Noise Protocol
 * Framework rev 34, sections 4 and 12), behind one small interface so the
 * node:crypto implementation can be swapped for a pure-JS one (browsers).
 *
 * Every function is synchronous: the handshake is a few dozen operations and
 * the transport phase calls `encrypt`/`decrypt` once per frame.
 */
export interface X25519KeyPair {
  /** 32 bytes, RFC 7748 section 5 encoding */
  publicKey: Uint8Array
  /** 32 bytes, the scalar before clamping */
  privateKey: Uint8Array
}

export interface NoiseCrypto {
  /** SHA-256 of the concatenation of `parts`. */
  sha256(...parts: Uint8Array[]): Uint8Array
  /**
   * Noise's HKDF with two outputs (section 4.3): equal to RFC 5869
   * HKDF-SHA256 with salt = `chainingKey`, empty info and 64 bytes of output.
   */
  hkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array]
  generateX25519KeyPair(): X25519KeyPair
  /** The key pair of a 32-byte X25519 private key. */
  x25519KeyPairFromPrivateKey(privateKey: Uint8Array): X25519KeyPair
  /**
   * X25519(privateKey, publicKey). Implementations throw (any error) when the
   * result is all zeros, i.e. the public key is of small order.
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  /**
   * ChaCha20-Poly1305 (RFC 8439) of `plaintext` with a 12-byte `nonce`:
   * writes ciphertext then the 16-byte tag into `output` at `offset`
   * (`plaintext.byteLength + 16` bytes) and returns the number written.
   */
  encrypt(
    key: Uint8Array,
    nonce: Uint8Array,
    associatedData: Uint8Array | undefined,
    plaintext: Uint8Array,
    output: Uint8Array,
    offset: number,
  ): number
  /**
   * Opens `ciphertext` (ciphertext followed by its 16-byte tag). Returns the
   * plaintext in a new buffer, or undefined when authentication fails.
   */
  decrypt(
    key: Uint8Array,
    nonce: Uint8Array,
    associatedData: Uint8Array | undefined,
    ciphertext: Uint8Array,
  ): Uint8Array | undefined
  /**
   * Optional fast path for transport frames (no associated data): seals the
   * plaintext given as consecutive `pieces` and returns the ciphertext pieces
   * followed by the 16-byte tag, without joining them into one buffer. Without
   * it, frames go through `encrypt`.
   */
  sealPieces?(key: Uint8Array, nonce: Uint8Array, pieces: readonly Uint8Array[]): Uint8Array[]
  /**
   * Optional fast path for transport frames (no associated data): opens a
   * ciphertext given as consecutive `pieces` with its 16-byte `tag`. Returns
   * the plaintext pieces, or undefined when authentication fails. Without it,
   * frames go through `decrypt`.
   */
  openPieces?(
    key: Uint8Array,
    nonce: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
  ): Uint8Array[] | undefined
}

/** Length of a Poly1305 tag. */
export const TAG_LENGTH = 16
/** Length of an X25519 key and of a SHA-256 digest. */
export const KEY_LENGTH = 32
