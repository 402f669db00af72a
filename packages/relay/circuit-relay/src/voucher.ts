/**
 * The reservation voucher (relay/circuit-v2.md "Reservation Vouchers"): a
 * record signed by the relay in a signed envelope with domain
 * `libp2p-relay-rsvp` and payload type multicodec 0x0302.
 */
import type { PeerId, Record } from '@libp2p/interface'
import { InvalidMessageError } from '@libp2p/interface'
import { peerIdFromBytes } from '@weft/peer-id'
import { equalBytes } from '@weft/utils'
import { Voucher } from './circuit.pb.js'

export interface ReservationVoucherInit {
  relay: PeerId
  peer: PeerId
  /** UNIX UTC seconds */
  expiration: bigint
}

export class ReservationVoucher implements Record {
  static readonly DOMAIN = 'libp2p-relay-rsvp'
  /** The multicodec 0x0302 as the two bytes go-libp2p and js-libp2p write. */
  static readonly CODEC: Uint8Array = new Uint8Array([0x03, 0x02])

  readonly domain = ReservationVoucher.DOMAIN
  readonly codec: Uint8Array = ReservationVoucher.CODEC.slice()
  readonly relay: PeerId
  readonly peer: PeerId
  readonly expiration: bigint

  constructor(init: ReservationVoucherInit) {
    this.relay = init.relay
    this.peer = init.peer
    this.expiration = init.expiration
  }

  /** Canonical protobuf: fields in number order, nothing unknown. */
  marshal(): Uint8Array {
    return Voucher.encode({
      relay: this.relay.toMultihash().bytes,
      peer: this.peer.toMultihash().bytes,
      expiration: this.expiration,
    })
  }

  equals(other: Record): boolean {
    return other instanceof ReservationVoucher && equalBytes(this.marshal(), other.marshal())
  }

  /** Decodes a voucher payload; throws `InvalidMessageError` when it is malformed. */
  static decode(bytes: Uint8Array): ReservationVoucher {
    try {
      const voucher = Voucher.decode(bytes)
      if (voucher.relay == null || voucher.peer == null || voucher.expiration == null) {
        throw new Error('a field is missing')
      }
      return new ReservationVoucher({
        relay: peerIdFromBytes(voucher.relay),
        peer: peerIdFromBytes(voucher.peer),
        expiration: voucher.expiration,
      })
    } catch (err) {
      throw new InvalidMessageError(`malformed reservation voucher: ${(err as Error).message}`)
    }
  }
}
