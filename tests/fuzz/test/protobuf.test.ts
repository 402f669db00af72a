/**
 * The protobuf protocols, each through the function its handler calls on the
 * bytes of one length-prefixed message: identify, kad-dht, pubsub RPC (and the
 * per-message checks gossipsub runs before any signature), circuit relay v2
 * hop/stop, AutoNAT v1/v2, DCUtR and rendezvous.
 */
import { DialBack, DialBackResponse, MessageV2 } from '@weft/autonat'
import { HopMessage } from '@weft/circuit-relay'
import { HolePunch } from '@weft/dcutr'
import { decodeIdentify, encodeIdentify, type IdentifyMessage } from '@weft/identify'
import { decodeRpc, parseMessage, RPC, StrictSign } from '@weft/pubsub'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { readMessage as readRendezvous } from '../../../packages/discovery/rendezvous/src/wire.js'
import { readMessage as readAutoNAT } from '../../../packages/nat/autonat/src/messages.js'
import { UnexpectedHolePunchMessageError } from '../../../packages/nat/dcutr/src/errors.js'
import { readHolePunch } from '../../../packages/nat/dcutr/src/messages.js'
import { readHop, readStop } from '../../../packages/relay/circuit-relay/src/messages.js'
import { decodeMessage as decodeKad } from '../../../packages/routing/kad-dht/src/network.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

type Reader = Parameters<typeof readHop>[0]

/** A reader whose next length-prefixed message is `bytes` (the prefix and its limit are @weft/utils' job). */
function readerOf(bytes: Uint8Array): Reader {
  return { readLengthPrefixed: async () => bytes } as unknown as Reader
}

async function readAnyHolePunch(bytes: Uint8Array): Promise<unknown> {
  try {
    return await readHolePunch(readerOf(bytes), HolePunch.Type.CONNECT)
  } catch (err) {
    if (!(err instanceof UnexpectedHolePunchMessageError)) throw err
    return readHolePunch(readerOf(bytes), HolePunch.Type.SYNC)
  }
}

function decodeRpcAndMessages(bytes: Uint8Array): unknown {
  const rpc = decodeRpc(bytes)
  return rpc.messages.map((message) => parseMessage(StrictSign, message))
}

const V2_WRAPS =
  'autonat-v2-service.ts wraps Message and DialBack decoding in InvalidMessageError; DialBackResponse in a try that reports a failed dial-back'

describe('protobuf protocols', () => {
  fuzzTarget('identify', (bytes) => decodeIdentify(bytes))
  fuzzTarget('kad', (bytes) => decodeKad(bytes))
  fuzzTarget('gossipsub-rpc', decodeRpcAndMessages)
  fuzzTarget('relay-hop', (bytes) => readHop(readerOf(bytes)))
  fuzzTarget('relay-stop', (bytes) => readStop(readerOf(bytes)))
  fuzzTarget('autonat-v1', (bytes) => readAutoNAT(readerOf(bytes)))
  fuzzTarget('autonat-v2', (bytes) => MessageV2.decode(bytes), { callSiteWraps: V2_WRAPS })
  fuzzTarget('autonat-v2-dial-back', (bytes) => DialBack.decode(bytes), { callSiteWraps: V2_WRAPS })
  fuzzTarget('autonat-v2-dial-back-response', (bytes) => DialBackResponse.decode(bytes), {
    callSiteWraps: V2_WRAPS,
  })
  fuzzTarget('dcutr', readAnyHolePunch)
  fuzzTarget('rendezvous', (bytes) => readRendezvous(readerOf(bytes), 8192, 100))
})

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }) as fc.Arbitrary<Uint8Array<ArrayBuffer>>
const text = fc.string({ maxLength: 40 })

describe('protobuf round trips', () => {
  roundTrip(
    'identify',
    fc.record(
      {
        protocolVersion: text,
        agentVersion: text,
        publicKey: bytes(40),
        listenAddrs: fc.array(bytes(30), { maxLength: 5 }),
        observedAddr: bytes(30),
        protocols: fc.array(text, { maxLength: 5 }),
        signedPeerRecord: bytes(100),
      },
      { requiredKeys: ['listenAddrs', 'protocols'] },
    ),
    (message: IdentifyMessage) => {
      expect(decodeIdentify(encodeIdentify(message))).toEqual(message)
    },
  )
  roundTrip(
    'relay-hop',
    fc.record({
      type: fc.constantFrom(HopMessage.Type.RESERVE, HopMessage.Type.CONNECT, HopMessage.Type.STATUS),
      peer: fc.record({ id: bytes(40), addrs: fc.array(bytes(30), { maxLength: 4 }) }),
      limit: fc.record({
        duration: fc.integer({ min: 0, max: 0xffffffff }),
        data: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      }),
    }),
    (message) => {
      expect(HopMessage.decode(HopMessage.encode(message))).toEqual(message)
    },
  )
  roundTrip(
    'gossipsub-rpc',
    fc.record({
      subscriptions: fc.array(fc.record({ subscribe: fc.boolean(), topic: text }), { maxLength: 4 }),
      messages: fc.array(fc.record({ data: bytes(50), topic: text, seqno: bytes(8) }), { maxLength: 4 }),
    }),
    (rpc) => {
      expect(decodeRpc(RPC.encode(rpc))).toEqual({ ...rpc, control: undefined })
    },
  )
})
