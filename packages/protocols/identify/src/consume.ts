/**
 * Turning a received Identify message into knowledge: check that it speaks
 * for the connection's remote peer, verify its signed peer record, update the
 * peer store and build the `IdentifyResult`.
 *
 * libp2p/specs identify/README.md: "If the signedPeerRecord is present ... it
 * MUST use the data contained within it and ignore duplicated fields" — so a
 * valid record's addresses are stored (certified) instead of `listenAddrs`;
 * an invalid record is discarded with a logged error and `listenAddrs` used.
 * A push may be partial: absent fields leave the stored ones unchanged.
 */
import {
  type AbortOptions,
  type Connection,
  type IdentifyResult,
  InvalidMessageError,
  type Logger,
  type Peer,
  type PeerData,
  type PeerId,
  type PeerStore,
  type PublicKey,
  type SignedPeerRecord,
  UnexpectedPeerError,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { publicKeyFromProtobuf } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { openPeerRecord, PeerRecord, RecordEnvelope } from '@weft/record'
import { InvalidSignedPeerRecordError } from './errors.js'
import type { IdentifyMessage } from './message.js'

export type IdentifyPeerStore = Pick<PeerStore, 'get' | 'patch' | 'merge'>

/** 'identify' answers our request; 'push' is unsolicited and may be partial. */
export type IdentifyKind = 'identify' | 'push'

const textEncoder = new TextEncoder()

/** Checks that `publicKey` (protobuf bytes) belongs to `remotePeer`. */
export function checkPublicKey(bytes: Uint8Array, remotePeer: PeerId): PublicKey {
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidMessageError(`identify publicKey is not a usable key: ${(err as Error).message}`)
  }
  if (!peerIdFromPublicKey(key).equals(remotePeer)) {
    throw new UnexpectedPeerError(
      `identify publicKey belongs to ${key.toString()}, expected the connection's peer ${remotePeer.toString()}`,
    )
  }
  return key
}

/** Parses binary multiaddrs, skipping (and logging) ones we cannot read, e.g. unknown protocols. */
export function parseAddresses(values: Uint8Array[], log: Logger): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const value of values) {
    try {
      out.push(multiaddr(value.slice()))
    } catch (err) {
      log.trace('skipping an unreadable multiaddr: %s', (err as Error).message)
    }
  }
  return out
}

/** Opens a signed peer record and checks that it is `remotePeer`'s. */
export async function openRemoteRecord(
  bytes: Uint8Array,
  remotePeer: PeerId,
  options?: AbortOptions,
): Promise<PeerRecord> {
  let record: PeerRecord
  try {
    record = (await openPeerRecord(bytes, options)).record
  } catch (err) {
    throw new InvalidSignedPeerRecordError(`signed peer record rejected: ${(err as Error).message}`, {
      cause: err,
    })
  }
  if (!record.peerId.equals(remotePeer)) {
    throw new InvalidSignedPeerRecordError(
      `signed peer record is for ${record.peerId.toString()}, expected ${remotePeer.toString()}`,
    )
  }
  return record
}

/** The sequence number of a record already in the store; undefined when none is readable. */
function storedSeq(peer: Peer | undefined): bigint | undefined {
  if (peer?.peerRecordEnvelope == null) return undefined
  try {
    // the store only holds records that were verified when they came in
    return PeerRecord.createFromProtobuf(RecordEnvelope.createFromProtobuf(peer.peerRecordEnvelope).payload)
      .seqNumber
  } catch {
    return undefined
  }
}

async function existingPeer(peerStore: IdentifyPeerStore, id: PeerId, options?: AbortOptions) {
  try {
    return await peerStore.get(id, options)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    throw err
  }
}

export interface ConsumeInit extends AbortOptions {
  peerStore: IdentifyPeerStore
  log: Logger
}

/**
 * Validates `message` from `connection`'s remote peer, writes what it says to
 * the peer store and returns the result to dispatch as `peer:identify`.
 * Throws `UnexpectedPeerError` / `InvalidMessageError` when the public key is
 * not the remote peer's; nothing is stored then.
 */
export async function consumeIdentify(
  connection: Connection,
  message: IdentifyMessage,
  kind: IdentifyKind,
  init: ConsumeInit,
): Promise<IdentifyResult> {
  const { peerStore, log } = init
  const remotePeer = connection.remotePeer
  const publicKey = message.publicKey != null ? checkPublicKey(message.publicKey, remotePeer) : undefined
  const listenAddrs = parseAddresses(message.listenAddrs, log)
  const data: PeerData = {}

  let signedPeerRecord: SignedPeerRecord | undefined
  let useListenAddrs = true
  if (message.signedPeerRecord != null) {
    try {
      const record = await openRemoteRecord(message.signedPeerRecord, remotePeer, init)
      signedPeerRecord = { addresses: record.multiaddrs, seq: record.seqNumber }
      const stored = storedSeq(await existingPeer(peerStore, remotePeer, init))
      if (stored === undefined || record.seqNumber >= stored) {
        data.addresses = record.multiaddrs.map((addr) => ({ multiaddr: addr, isCertified: true }))
        data.peerRecordEnvelope = message.signedPeerRecord.slice()
      } else {
        // an older record than the one we hold: keep ours, and ignore listenAddrs too
        log('ignoring peer record %d of %p, older than stored %d', record.seqNumber, remotePeer, stored)
      }
      useListenAddrs = false
    } catch (err) {
      if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') throw err
      log.error('discarding the signed peer record of %p: %e', remotePeer, err)
    }
  }

  if (useListenAddrs && listenAddrs.length > 0) {
    data.addresses = listenAddrs.map((addr) => ({ multiaddr: addr, isCertified: false }))
  }
  if (kind === 'identify' || message.protocols.length > 0) data.protocols = message.protocols
  if (publicKey != null) data.publicKey = publicKey

  const peer = await peerStore.patch(remotePeer, data, init)
  const metadata: Record<string, Uint8Array> = {}
  if (message.agentVersion != null) metadata.AgentVersion = textEncoder.encode(message.agentVersion)
  if (message.protocolVersion != null) metadata.ProtocolVersion = textEncoder.encode(message.protocolVersion)
  if (Object.keys(metadata).length > 0) await peerStore.merge(remotePeer, { metadata }, init)

  const result: IdentifyResult = {
    peerId: remotePeer,
    // a partial push reports what we now know rather than an empty list
    listenAddrs:
      kind === 'push' && message.listenAddrs.length === 0
        ? peer.addresses.map((address) => address.multiaddr)
        : listenAddrs,
    protocols: data.protocols ?? peer.protocols,
    connection,
  }
  if (message.protocolVersion != null) result.protocolVersion = message.protocolVersion
  if (message.agentVersion != null) result.agentVersion = message.agentVersion
  if (message.publicKey != null) result.publicKey = message.publicKey.slice()
  if (signedPeerRecord != null) result.signedPeerRecord = signedPeerRecord
  if (message.observedAddr != null) {
    const [observed] = parseAddresses([message.observedAddr], log)
    if (observed != null) result.observedAddr = observed
  }
  return result
}
