import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { RecordEnvelope } from '@weft/record'
import { encodeLengthPrefixed, StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { HopMessage, Status } from './circuit.pb.js'
import { limitToConnectionLimits, limitToWire, readHop, writeHop } from './messages.js'
import { ReservationVoucher } from './voucher.js'

describe('hop and stop messages', () => {
  it('round-trips a hop message over a stream', async () => {
    const [a, b] = streamPair()
    await writeHop(a, {
      type: HopMessage.Type.STATUS,
      status: Status.OK,
      limit: { duration: 120, data: 1n << 17n },
    })
    const message = await readHop(new StreamReader(b))
    expect(message).toMatchObject({ type: 'STATUS', status: 'OK', limit: { duration: 120, data: 131072n } })
  })

  it('refuses an oversized message before reading it', async () => {
    const [a, b] = streamPair()
    a.send(encodeLengthPrefixed(new Uint8Array(5000)))
    await expect(readHop(new StreamReader(b))).rejects.toMatchObject({ name: 'MessageTooLargeError' })
  })

  it('turns garbage into InvalidMessageError', async () => {
    const [a, b] = streamPair()
    a.send(encodeLengthPrefixed(new Uint8Array([0x0a, 0xff])))
    await expect(readHop(new StreamReader(b))).rejects.toMatchObject({ name: 'InvalidMessageError' })
  })

  it('converts limits between ms, wire seconds and ConnectionLimits', () => {
    expect(limitToWire({ duration: 1_500, data: 0n })).toEqual({ duration: 2, data: undefined })
    expect(limitToWire({})).toBeUndefined()
    expect(limitToConnectionLimits({ duration: 2, data: 10n })).toEqual({ seconds: 2, bytes: 10n })
    expect(limitToConnectionLimits(undefined)).toBeUndefined()
  })
})

describe('ReservationVoucher', () => {
  it('is sealed by the relay and opened with its domain', async () => {
    const relayKey = await generateKeyPair('Ed25519')
    const relay = peerIdFromPrivateKey(relayKey)
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const voucher = new ReservationVoucher({ relay, peer, expiration: 1_700_000_000n })
    const bytes = (await RecordEnvelope.seal(voucher, relayKey)).marshal()
    const envelope = await RecordEnvelope.openAndCertify(bytes, ReservationVoucher.DOMAIN)
    expect(envelope.payloadType).toEqual(new Uint8Array([0x03, 0x02]))
    const opened = ReservationVoucher.decode(envelope.payload)
    expect(opened.relay.equals(relay)).toBe(true)
    expect(opened.peer.equals(peer)).toBe(true)
    expect(opened.expiration).toBe(1_700_000_000n)
    expect(opened.equals(voucher)).toBe(true)
    await expect(RecordEnvelope.openAndCertify(bytes, 'libp2p-peer-record')).rejects.toThrow()
    expect(() => ReservationVoucher.decode(new Uint8Array([0x0a, 0x01, 0x00]))).toThrow(
      expect.objectContaining({ name: 'InvalidMessageError' }),
    )
  })
})
