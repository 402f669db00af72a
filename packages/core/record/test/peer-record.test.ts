import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import {
  InvalidPeerRecordError,
  InvalidSignatureError,
  LimitExceededError,
  MAX_ADDRESSES,
  openPeerRecord,
  PeerRecord,
  RecordEnvelope,
  UnexpectedPeerError,
} from '../src/index.js'

const addresses = [multiaddr('/ip4/127.0.0.1/tcp/4001'), multiaddr('/ip6/::1/udp/4001/quic-v1')]

describe('PeerRecord', () => {
  it.each(['Ed25519', 'secp256k1', 'RSA'] as const)(
    'round-trips through a sealed envelope (%s)',
    async (type) => {
      const key = await generateKeyPair(type)
      const record = new PeerRecord({
        peerId: peerIdFromPrivateKey(key),
        multiaddrs: addresses,
        seqNumber: 7n,
      })
      const envelope = await RecordEnvelope.seal(record, key)
      expect(envelope.payloadType).toEqual(new Uint8Array([0x03, 0x01]))
      const { record: opened } = await openPeerRecord(envelope.marshal())
      expect(opened.equals(record)).toBe(true)
      expect(opened.peerId.equals(record.peerId)).toBe(true)
      expect(opened.multiaddrs.map(String)).toEqual(addresses.map(String))
      expect(opened.seqNumber).toBe(7n)
    },
  )

  it('encodes seq as uint64 up to 2^64 - 1 and refuses values outside it', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair())
    const max = new PeerRecord({ peerId, seqNumber: 2n ** 64n - 1n })
    expect(PeerRecord.createFromProtobuf(max.marshal()).seqNumber).toBe(2n ** 64n - 1n)
    expect(PeerRecord.createFromProtobuf(new PeerRecord({ peerId, seqNumber: 0n }).marshal()).seqNumber).toBe(
      0n,
    )
    expect(() => new PeerRecord({ peerId, seqNumber: 2n ** 64n })).toThrow(RangeError)
    expect(() => new PeerRecord({ peerId, seqNumber: -1n })).toThrow(RangeError)
  })

  it('defaults seq to the time in ms and keeps it increasing', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair())
    const before = BigInt(Date.now())
    const first = new PeerRecord({ peerId })
    const second = new PeerRecord({ peerId })
    expect(first.seqNumber >= before).toBe(true)
    expect(second.seqNumber > first.seqNumber).toBe(true)
  })

  it('compares peer, seq and addresses', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair())
    const record = new PeerRecord({ peerId, multiaddrs: addresses, seqNumber: 1n })
    expect(record.equals(new PeerRecord({ peerId, multiaddrs: [...addresses], seqNumber: 1n }))).toBe(true)
    expect(record.equals(new PeerRecord({ peerId, multiaddrs: addresses, seqNumber: 2n }))).toBe(false)
    expect(record.equals(new PeerRecord({ peerId, multiaddrs: [addresses[0]!], seqNumber: 1n }))).toBe(false)
    expect(
      record.equals(new PeerRecord({ peerId, multiaddrs: [...addresses].reverse(), seqNumber: 1n })),
    ).toBe(false)
    const otherPeer = peerIdFromPrivateKey(await generateKeyPair())
    expect(record.equals(new PeerRecord({ peerId: otherPeer, multiaddrs: addresses, seqNumber: 1n }))).toBe(
      false,
    )
  })
})

describe('openPeerRecord', () => {
  it('refuses a record signed by a key other than its peer id', async () => {
    const key = await generateKeyPair()
    const impostor = await generateKeyPair()
    const record = new PeerRecord({ peerId: peerIdFromPrivateKey(key), multiaddrs: addresses })
    const envelope = await RecordEnvelope.seal(record, impostor)
    await expect(openPeerRecord(envelope.marshal())).rejects.toThrow(UnexpectedPeerError)
  })

  it('refuses a different payload type, and a record signed in another domain', async () => {
    const key = await generateKeyPair()
    const peerId = peerIdFromPrivateKey(key)
    const record = new PeerRecord({ peerId })
    const wrongType = {
      domain: record.domain,
      codec: new Uint8Array([0x2f]),
      marshal: () => record.marshal(),
      equals: () => false,
    }
    await expect(openPeerRecord((await RecordEnvelope.seal(wrongType, key)).marshal())).rejects.toThrow(
      InvalidPeerRecordError,
    )
    const wrongDomain = { ...wrongType, domain: 'libp2p-routing-state', codec: PeerRecord.CODEC }
    await expect(openPeerRecord((await RecordEnvelope.seal(wrongDomain, key)).marshal())).rejects.toThrow(
      InvalidSignatureError,
    )
  })
})

describe('malformed peer records', () => {
  const peerId = peerIdFromString('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')
  const peerIdField = [0x0a, 0x26, ...peerId.toMultihash().bytes]

  it('refuses missing or invalid peer ids and addresses', () => {
    const bad = [
      [0x10, 0x01], // no peer_id
      [0x0a, 0x02, 0x00, 0x01], // identity multihash announcing 1 byte of key: too short
      [...peerIdField, 0x1a, 0x00], // AddressInfo without a multiaddr
      [...peerIdField, 0x1a, 0x04, 0x0a, 0x02, 0x04, 0x01], // truncated ip4
      [...peerIdField, 0x1a, 0x06, 0x0a, 0x04, 0xff, 0xff, 0xff, 0x0f], // unknown protocol
      [...peerIdField, 0x12, 0x01, 0x00], // seq as bytes
    ]
    for (const bytes of bad) {
      expect(() => PeerRecord.createFromProtobuf(new Uint8Array(bytes))).toThrow(InvalidPeerRecordError)
    }
  })

  it('refuses more than MAX_ADDRESSES addresses', () => {
    const address = [0x1a, 0x0a, 0x0a, 0x08, ...multiaddr('/ip4/192.0.2.0/tcp/42').bytes]
    const within = new Uint8Array([
      ...peerIdField,
      ...Array.from({ length: MAX_ADDRESSES }, () => address).flat(),
    ])
    expect(PeerRecord.createFromProtobuf(within).multiaddrs).toHaveLength(MAX_ADDRESSES)
    const over = new Uint8Array([...within, ...address])
    expect(() => PeerRecord.createFromProtobuf(over)).toThrow(LimitExceededError)
  })

  it('never throws anything but its typed errors on truncation', () => {
    const bytes = new PeerRecord({ peerId, multiaddrs: addresses, seqNumber: 123456789n }).marshal()
    for (let length = 0; length < bytes.byteLength; length++) {
      try {
        PeerRecord.createFromProtobuf(bytes.subarray(0, length))
      } catch (err) {
        expect(['InvalidPeerRecordError', 'LimitExceededError']).toContain((err as Error).name)
      }
    }
  })
})
