/**
 * NAT traversal parsers: STUN messages and their attributes, TURN messages,
 * ChannelData and the TURN-over-TCP framer, and what a gateway answers to
 * port mapping (NAT-PMP, PCP, SSDP, UPnP XML and SOAP).
 */
import {
  natPmpCodec,
  parseDeviceDescription,
  parseSsdpAnswer,
  parseXml,
  pcpCodec,
  UPnPError,
} from '@weft/port-mapping'
import { decodeMessage, encodeMessage, type Message, TurnAttributeType } from '@weft/stun'
import { decodeChannelData, encodeChannelData, StreamFramer } from '@weft/turn'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { parseSoapAnswer } from '../../../packages/nat/port-mapping/src/soap.js'
import { lifetimeOf, textOf, xorAddressOf } from '../../../packages/nat/turn/src/wire.js'
import { socketChunks } from './support/chunks.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

const utf8 = new TextDecoder('utf-8', { fatal: false })
const GATEWAY = new URL('http://192.168.1.1:5000/rootDesc.xml')

/** What the TURN client reads from an answer once it has decoded as STUN. */
function decodeTurnMessage(bytes: Uint8Array): unknown {
  const message = decodeMessage(bytes)
  return {
    relayed: xorAddressOf(message, TurnAttributeType.XOR_RELAYED_ADDRESS),
    peer: xorAddressOf(message, TurnAttributeType.XOR_PEER_ADDRESS),
    lifetime: lifetimeOf(message),
    realm: textOf(message, TurnAttributeType.REALM),
    nonce: textOf(message, TurnAttributeType.NONCE),
  }
}

/** A SOAP answer's arguments, or the UPnPError its fault carries (that is what a fault decodes to). */
function readSoapAnswer(bytes: Uint8Array): unknown {
  try {
    return parseSoapAnswer('GetExternalIPAddress', 200, utf8.decode(bytes))
  } catch (err) {
    if (err instanceof UPnPError) return err
    throw err
  }
}

function frameTurnStream(chunks: readonly Uint8Array[]): Uint8Array[] {
  const framer = new StreamFramer()
  return chunks.flatMap((chunk) => framer.push(chunk))
}

describe('stun and turn', () => {
  fuzzTarget('stun', (bytes) => decodeMessage(bytes))
  fuzzTarget('turn', decodeTurnMessage)
  fuzzTarget('turn-channel-data', (bytes) => decodeChannelData(bytes))
  fuzzTarget('turn-tcp-framer', (bytes) => frameTurnStream(socketChunks(bytes)), { corpus: 'turn' })

  const transactionId = fc.uint8Array({ minLength: 12, maxLength: 12 })
  roundTrip(
    'stun',
    fc.record({
      method: fc.integer({ min: 0, max: 0xfff }),
      class: fc.constantFrom('request', 'indication', 'success', 'error') as fc.Arbitrary<Message['class']>,
      transactionId,
      software: fc.string({ maxLength: 100 }),
      port: fc.integer({ min: 0, max: 65535 }),
    }),
    (init) => {
      const message: Message = {
        method: init.method,
        class: init.class,
        transactionId: init.transactionId,
        attributes: [
          { type: 'software', value: init.software },
          { type: 'xor-mapped-address', value: { family: 4, address: '198.51.100.2', port: init.port } },
        ],
      }
      const decoded = decodeMessage(encodeMessage(message, { fingerprint: true }))
      expect({ ...decoded, attributes: decoded.attributes.slice(0, 2) }).toEqual(message)
      expect(decoded.attributes[2]?.type).toBe('fingerprint')
    },
  )
  roundTrip(
    'turn-channel-data',
    fc.tuple(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 200 }), fc.boolean()),
    ([channel, data, pad]) => {
      expect(decodeChannelData(encodeChannelData(channel, data, pad))).toEqual({ channel, data })
    },
  )
})

describe('port mapping', () => {
  fuzzTarget('nat-pmp-external-address', (bytes) => natPmpCodec.decodeExternalAddressAnswer(bytes), {
    maxLength: 64,
  })
  fuzzTarget('nat-pmp-map', (bytes) => natPmpCodec.decodeMapAnswer(bytes, 'udp'), { maxLength: 64 })
  fuzzTarget('pcp', (bytes) => pcpCodec.decodeMapAnswer(bytes), { maxLength: 1200 })
  fuzzTarget('ssdp', (bytes) => parseSsdpAnswer(bytes, '192.168.1.1'))
  fuzzTarget('upnp-xml', (bytes) => parseXml(utf8.decode(bytes)), { corpus: 'upnp-device' })
  fuzzTarget('upnp-device', (bytes) => parseDeviceDescription(utf8.decode(bytes), GATEWAY))
  fuzzTarget('upnp-soap', readSoapAnswer)
})
