/**
 * What we say about ourselves in Identify: addresses, protocols, versions,
 * public key and a signed peer record (RFC 0003) sealed with our private key.
 * The record is cached until our addresses change, so answering identify is
 * one encode, not one signature, per connection.
 */
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { publicKeyToProtobuf } from '@weft/crypto'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import type { IdentifyMessage } from './message.js'

const P2P_CODE = 421

export interface SelfDescriptionInit {
  peerId: PeerId
  privateKey: PrivateKey
  protocolVersion: string
  agentVersion: string
  getAddresses(): Multiaddr[]
  getProtocols(): string[]
  log: Logger
}

/** `addr` without a trailing `/p2p/<peerId>` (identify carries bare transport addresses). */
export function withoutPeerId(addr: Multiaddr, peerId: string): Multiaddr {
  const components = addr.getComponents()
  const last = components[components.length - 1]
  return last?.code === P2P_CODE && last.value === peerId ? addr.decapsulateCode(P2P_CODE) : addr
}

interface CachedRecord {
  key: string
  envelope: Promise<Uint8Array | undefined>
}

export class SelfDescription {
  private publicKey?: Uint8Array
  private record?: CachedRecord
  private lastSeq = 0n

  constructor(private readonly init: SelfDescriptionInit) {}

  /** Forgets the cached peer record (our addresses may have changed). */
  invalidate(): void {
    this.record = undefined
  }

  /** Our listen addresses without the trailing `/p2p/<our id>` the address manager adds. */
  addresses(): Multiaddr[] {
    const self = this.init.peerId.toString()
    return this.init.getAddresses().map((addr) => withoutPeerId(addr, self))
  }

  /** The Identify message describing us (without `observedAddr`, which depends on the connection). */
  async message(): Promise<IdentifyMessage> {
    const addresses = this.addresses()
    this.publicKey ??= publicKeyToProtobuf(this.init.privateKey.publicKey)
    const message: IdentifyMessage = {
      protocolVersion: this.init.protocolVersion,
      agentVersion: this.init.agentVersion,
      publicKey: this.publicKey,
      listenAddrs: addresses.map((addr) => addr.bytes),
      protocols: this.init.getProtocols(),
    }
    const signedPeerRecord = await this.signedPeerRecord(addresses)
    if (signedPeerRecord != null) message.signedPeerRecord = signedPeerRecord
    return message
  }

  /**
   * Our sealed peer record for `addresses`, from the cache when they have not
   * changed. Shared by concurrent callers, so it takes no caller's signal
   * (signing is quick and cannot hang).
   */
  signedPeerRecord(addresses: Multiaddr[]): Promise<Uint8Array | undefined> {
    const key = addresses.map((addr) => addr.toString()).join(' ')
    if (this.record?.key !== key) {
      this.record = { key, envelope: this.seal(addresses) }
    }
    return this.record.envelope
  }

  private async seal(addresses: Multiaddr[]): Promise<Uint8Array | undefined> {
    // timestamp-based so a restarted node still outranks its old records; strictly increasing
    const now = BigInt(Date.now())
    this.lastSeq = now > this.lastSeq ? now : this.lastSeq + 1n
    const record = new PeerRecord({
      peerId: this.init.peerId,
      multiaddrs: addresses,
      seqNumber: this.lastSeq,
    })
    try {
      return (await RecordEnvelope.seal(record, this.init.privateKey)).marshal()
    } catch (err) {
      // identify still works without a record; try again next time
      this.init.log.error('could not seal our peer record: %e', err)
      this.record = undefined
      return undefined
    }
  }
}
