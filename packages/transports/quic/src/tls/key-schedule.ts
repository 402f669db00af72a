/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) without PSK: early secret from
 * zeros, the handshake secret from the (EC)DHE shared secret, the master
 * secret, and the traffic secrets of each direction at the Handshake and
 * 1-RTT levels; Finished keys and verify_data (§4.4.4). The transcript is a
 * running hash of the handshake messages (§4.4.1).
 */
import { createHash, createHmac, type Hash, timingSafeEqual } from 'node:crypto'
import { deriveSecret, digest, type HashName, hashLength, hkdfExpandLabel, hkdfExtract } from '../hkdf.js'

export class Transcript {
  private readonly hash: Hash

  constructor(readonly algorithm: HashName) {
    this.hash = createHash(algorithm)
  }

  add(message: Uint8Array): void {
    this.hash.update(message)
  }

  /** The hash of every message so far. */
  current(): Uint8Array {
    return new Uint8Array(this.hash.copy().digest())
  }
}

export interface TrafficSecrets {
  client: Uint8Array
  server: Uint8Array
}

export class KeySchedule {
  private handshakeSecret: Uint8Array | undefined
  private readonly zeros: Uint8Array

  constructor(readonly hash: HashName) {
    this.zeros = new Uint8Array(hashLength(hash))
  }

  /** After ServerHello: the handshake traffic secrets, over the transcript ClientHello..ServerHello. */
  handshake(sharedSecret: Uint8Array, transcriptHash: Uint8Array): TrafficSecrets {
    const early = hkdfExtract(this.hash, this.zeros, this.zeros)
    const derived = deriveSecret(this.hash, early, 'derived', digest(this.hash, new Uint8Array(0)))
    this.handshakeSecret = hkdfExtract(this.hash, derived, sharedSecret)
    return {
      client: deriveSecret(this.hash, this.handshakeSecret, 'c hs traffic', transcriptHash),
      server: deriveSecret(this.hash, this.handshakeSecret, 's hs traffic', transcriptHash),
    }
  }

  /** After the server's Finished: the 1-RTT traffic secrets, over ClientHello..server Finished. */
  application(transcriptHash: Uint8Array): TrafficSecrets {
    if (this.handshakeSecret == null) throw new Error('the handshake secret comes first')
    const derived = deriveSecret(
      this.hash,
      this.handshakeSecret,
      'derived',
      digest(this.hash, new Uint8Array(0)),
    )
    const master = hkdfExtract(this.hash, derived, this.zeros)
    return {
      client: deriveSecret(this.hash, master, 'c ap traffic', transcriptHash),
      server: deriveSecret(this.hash, master, 's ap traffic', transcriptHash),
    }
  }

  /** Finished.verify_data for the sender whose handshake traffic secret is `baseKey`. */
  verifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = hkdfExpandLabel(
      this.hash,
      baseKey,
      'finished',
      new Uint8Array(0),
      hashLength(this.hash),
    )
    return new Uint8Array(createHmac(this.hash, finishedKey).update(transcriptHash).digest())
  }

  /** Constant-time check of a received Finished. */
  checkFinished(baseKey: Uint8Array, transcriptHash: Uint8Array, received: Uint8Array): boolean {
    const expected = this.verifyData(baseKey, transcriptHash)
    return expected.length === received.length && timingSafeEqual(expected, received)
  }
}
