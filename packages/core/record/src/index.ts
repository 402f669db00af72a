/**
 * @weft/record: signed envelopes (libp2p RFC 0002) and peer records (RFC
 * 0003), implementing the `@libp2p/interface` 3.x `Envelope` and `Record`.
 *
 * ```ts
 * import { generateKeyPair } from '@weft/crypto'
 * import { peerIdFromPrivateKey } from '@weft/peer-id'
 * import { openPeerRecord, PeerRecord, RecordEnvelope } from '@weft/record'
 * import { multiaddr } from '@multiformats/multiaddr'
 *
 * const key = await generateKeyPair('Ed25519')
 * const record = new PeerRecord({ peerId: peerIdFromPrivateKey(key), multiaddrs: [multiaddr('/ip4/192.0.2.1/tcp/4001')] })
 * const bytes = (await RecordEnvelope.seal(record, key)).marshal()
 * const opened = await openPeerRecord(bytes) // signature, payload type and signer checked
 * opened.record.equals(record) // true
 * ```
 *
 * Options: `PeerRecord` takes `{ peerId, multiaddrs = [], seqNumber = Unix ms }`;
 * `RecordEnvelope.openAndCertify(bytes, domain, { signal, maxSize })` (default
 * `MAX_ENVELOPE_SIZE`, 64 KiB). Decoders throw `InvalidEnvelopeError`,
 * `InvalidPeerRecordError` or `LimitExceededError` (also at `MAX_ADDRESSES`,
 * 1024); a signature that does not verify throws `InvalidSignatureError`.
 */
export {
  type DecodeOptions,
  type EnvelopeInit,
  MAX_ENVELOPE_SIZE,
  type OpenOptions,
  RecordEnvelope,
  signedData,
} from './envelope.js'
export {
  InvalidEnvelopeError,
  InvalidPeerRecordError,
  InvalidSignatureError,
  LimitExceededError,
  UnexpectedPeerError,
} from './errors.js'
export {
  MAX_ADDRESSES,
  MAX_PEER_RECORD_SIZE,
  type OpenPeerRecordOptions,
  openPeerRecord,
  PeerRecord,
  type PeerRecordInit,
} from './peer-record.js'
