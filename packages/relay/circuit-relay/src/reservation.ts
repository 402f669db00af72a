/**
 * The client half of a reservation (relay/circuit-v2.md "Reservation"): ask
 * the relay for a slot over an open connection and read what it granted.
 */
import type { AbortOptions, Connection } from '@libp2p/interface'
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { RecordEnvelope } from '@weft/record'
import { StreamReader } from '@weft/utils'
import { HopMessage, type Limit, Status } from './circuit.pb.js'
import { HOP_PROTOCOL } from './constants.js'
import { RelayStatusError, UnexpectedRelayMessageError } from './errors.js'
import { readHop, writeHop } from './messages.js'
import { ReservationVoucher } from './voucher.js'

export interface Reservation {
  /** when the reservation ends, in ms since the epoch */
  expires: number
  /** the relay's addresses, each ending in `/p2p/<relay id>` */
  addrs: Multiaddr[]
  /** the limits the relay applies to circuits; undefined when it announced none */
  limit?: Limit
  /** the signed voucher, when the relay sent a valid one */
  voucher?: ReservationVoucher
}

/**
 * Reserves a slot on the relay at the other end of `connection`.
 *
 * @throws RelayStatusError when the relay refuses (e.g. `RESERVATION_REFUSED` when it is full)
 */
export async function reserve(connection: Connection, options: AbortOptions = {}): Promise<Reservation> {
  const stream = await connection.newStream(HOP_PROTOCOL, { signal: options.signal })
  const reader = new StreamReader(stream)
  try {
    await writeHop(stream, { type: HopMessage.Type.RESERVE }, options)
    const response = await readHop(reader, options)
    if (response.type !== HopMessage.Type.STATUS) {
      throw new UnexpectedRelayMessageError(`expected a STATUS message, got ${response.type}`)
    }
    if (response.status !== Status.OK) throw new RelayStatusError(response.status ?? Status.UNUSED)
    if (response.reservation == null) {
      throw new UnexpectedRelayMessageError('the relay answered OK without a reservation')
    }
    const relayId = connection.remotePeer.toString()
    const addrs: Multiaddr[] = []
    for (const bytes of response.reservation.addrs) {
      try {
        let address = multiaddr(bytes)
        const last = address.getComponents().at(-1)
        if (last?.code !== CODE_P2P) address = address.encapsulate(`/p2p/${relayId}`)
        else if (last.value !== relayId) continue
        addrs.push(address)
      } catch {
        // an address we cannot parse is one we cannot announce
      }
    }
    let voucher: ReservationVoucher | undefined
    if (response.reservation.voucher != null) {
      try {
        const envelope = await RecordEnvelope.openAndCertify(
          response.reservation.voucher,
          ReservationVoucher.DOMAIN,
          options,
        )
        const decoded = ReservationVoucher.decode(envelope.payload)
        if (decoded.relay.equals(connection.remotePeer)) voucher = decoded
      } catch {
        // vouchers are advisory (the spec's "Reservation Vouchers")
      }
    }
    await stream.close(options).catch(() => {})
    return {
      expires: Number(response.reservation.expire ?? 0n) * 1000,
      addrs,
      limit: response.limit,
      voucher,
    }
  } catch (err) {
    stream.abort(err as Error)
    throw err
  } finally {
    reader.release()
  }
}
