/**
 * The mainline DHT: bencode (BEP 3) and KRPC messages (BEP 5) as a UDP
 * datagram from anyone delivers them, and the compact node, peer and address
 * lists inside a response.
 */
import {
  type Bencodable,
  decode,
  decodeAddress,
  decodeAddresses,
  decodeNodes,
  encode,
  parseMessage,
} from '@weft/mainline-dht'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { decodePeers } from '../../../packages/routing/mainline-dht/src/handlers.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

/** A response's lists, read as the lookup reads them. */
function parseKrpc(bytes: Uint8Array): unknown {
  const message = parseMessage(bytes)
  const root = decode(bytes) as Record<string, unknown>
  const body = (root.r ?? root.a) as Record<string, unknown> | undefined
  if (body === undefined || body instanceof Uint8Array || typeof body !== 'object') return message
  const nodes = body.nodes instanceof Uint8Array ? decodeNodes(body.nodes, 4) : []
  const nodes6 = body.nodes6 instanceof Uint8Array ? decodeNodes(body.nodes6, 6) : []
  return { message, nodes, nodes6, peers: decodePeers(body.values) }
}

const bencodable: fc.Arbitrary<Bencodable> = fc.letrec<{ value: Bencodable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.uint8Array({ maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), maxLength: 8 }),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value

describe('mainline dht', () => {
  fuzzTarget('bencode', (bytes) => decode(bytes))
  fuzzTarget('krpc', parseKrpc)
  fuzzTarget('krpc-peer-item', (bytes) => decodeAddresses(decode(bytes)), { corpus: 'bencode' })
  fuzzTarget('krpc-compact-address', (bytes) => decodeAddress(bytes), { corpus: 'krpc', maxLength: 40 })
  roundTrip('bencode', bencodable, (value) => {
    const bytes = encode(value)
    expect(encode(decode(bytes))).toEqual(bytes)
  })
})
