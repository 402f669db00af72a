/**
 * The core parsers every connection meets: multistream-select messages,
 * public keys and peer ids from the wire, signed envelopes and peer records.
 */
import { publicKeyFromProtobuf } from '@weft/crypto'
import { peerIdFromBytes, peerIdFromString } from '@weft/peer-id'
import { openPeerRecord, PeerRecord, RecordEnvelope } from '@weft/record'
import { verifyCertificate } from '@weft/tls'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import {
  MAX_MESSAGE_LENGTH,
  MessageDecoder,
  messageBytes,
} from '../../../packages/core/multistream/src/codec.js'
import { parseAddrs } from '../../../packages/routing/kad-dht/src/network.js'
import { socketChunks } from './support/chunks.js'
import { CERTIFICATE_NOW } from './support/fixed-keys.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

/** a negotiation never reads more messages than this from one buffer */
const MAX_MESSAGES = 1000
const utf8 = new TextDecoder('utf-8', { fatal: false })

function multistreamDecodeAll(chunks: readonly Uint8Array[], maxMessageLength?: number): string[] {
  const decoder = new MessageDecoder(maxMessageLength)
  const messages: string[] = []
  for (const chunk of chunks) {
    decoder.push(chunk)
    for (
      let message = decoder.next();
      message !== undefined && messages.length < MAX_MESSAGES;
      message = decoder.next()
    ) {
      messages.push(message)
    }
  }
  return messages
}

describe('multistream-select', () => {
  fuzzTarget('multistream', (bytes) => multistreamDecodeAll([bytes]))
  fuzzTarget('multistream-chunked', (bytes) => multistreamDecodeAll(socketChunks(bytes)), {
    corpus: 'multistream',
  })
  fuzzTarget('multistream-max-length', (bytes) => multistreamDecodeAll([bytes], MAX_MESSAGE_LENGTH), {
    corpus: 'multistream',
  })
  roundTrip('multistream', fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
    // what the dialer sends is what the listener reads, lone surrogates aside (not UTF-8)
    const bytes = messageBytes(text)
    const expected = utf8.decode(new TextEncoder().encode(text))
    expect(multistreamDecodeAll([bytes])).toEqual([expected])
  })
})

/** Everything a consumer reads from an address kad or identify accepted: nothing may throw later. */
function useAddress(bytes: Uint8Array): unknown {
  return parseAddrs([bytes]).map((address) => [
    address.toString(),
    address.getComponents(),
    address.bytes,
    address.decapsulateCode(421).toString(),
  ])
}

describe('addresses, keys and peer ids', () => {
  fuzzTarget('multiaddr', useAddress, { maxLength: 600 })
  fuzzTarget('crypto-public-key', (bytes) => publicKeyFromProtobuf(bytes))
  // what TLS and QUIC read from the peer's Certificate message
  fuzzTarget('tls-certificate', (bytes) => verifyCertificate(bytes, new Date(CERTIFICATE_NOW)))
  fuzzTarget('peer-id-bytes', (bytes) => peerIdFromBytes(bytes))
  fuzzTarget('peer-id-string', (bytes) => peerIdFromString(utf8.decode(bytes)), { maxLength: 256 })
})

describe('signed envelopes and peer records', () => {
  fuzzTarget('envelope', (bytes) => RecordEnvelope.createFromProtobuf(bytes))
  fuzzTarget('envelope-open', (bytes) => openPeerRecord(bytes), { corpus: 'envelope' })
  fuzzTarget('peer-record', (bytes) => PeerRecord.createFromProtobuf(bytes))
  roundTrip('peer-record', fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (seqNumber) => {
    const peerId = peerIdFromString('12D3KooWRm8J3iL796zPFi2EtGGtUJn58AG67gcqzMFHZnnsTzqD')
    const record = new PeerRecord({ peerId, seqNumber })
    const decoded = PeerRecord.createFromProtobuf(record.marshal())
    expect(decoded.seqNumber).toBe(seqNumber)
    expect(decoded.peerId.equals(peerId)).toBe(true)
  })
})
