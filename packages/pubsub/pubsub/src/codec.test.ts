import { InvalidMessageError } from '@libp2p/interface'
import { decodeVarint } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RPC_LIMITS, decodeRpc, encodeRpc, RPC } from './codec.js'

function body(frame: Uint8Array): Uint8Array {
  const prefix = decodeVarint(frame)!
  expect(prefix.value).toBe(frame.byteLength - prefix.length)
  return frame.subarray(prefix.length)
}

describe('RPC codec', () => {
  it('round-trips subscriptions, messages and every control message', () => {
    const rpc: RPC = {
      subscriptions: [
        { subscribe: true, topic: 'a' },
        { subscribe: false, topic: 'b' },
      ],
      messages: [{ from: Uint8Array.of(1), data: Uint8Array.of(2), seqno: new Uint8Array(8), topic: 'a' }],
      control: {
        ihave: [{ topicID: 'a', messageIDs: [Uint8Array.of(9)] }],
        iwant: [{ messageIDs: [Uint8Array.of(8)] }],
        graft: [{ topicID: 'a' }],
        prune: [{ topicID: 'b', peers: [{ peerID: Uint8Array.of(7) }], backoff: 60 }],
        idontwant: [{ messageIDs: [Uint8Array.of(6)] }],
      },
    }
    expect(decodeRpc(body(encodeRpc(rpc)))).toEqual(rpc)
  })

  it('decodes an empty RPC', () => {
    expect(decodeRpc(new Uint8Array(0))).toEqual({ subscriptions: [], messages: [] })
  })

  it('turns malformed bytes into InvalidMessageError', () => {
    expect(() => decodeRpc(Uint8Array.of(0x0a, 0xff))).toThrow(InvalidMessageError)
    expect(() => decodeRpc(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(InvalidMessageError)
  })

  it('enforces the limits on repeated fields', () => {
    const many = RPC.encode({
      subscriptions: Array.from({ length: 11 }, (_, i) => ({ subscribe: true, topic: `t${i}` })),
      messages: [],
    })
    expect(() => decodeRpc(many, { ...DEFAULT_RPC_LIMITS, maxSubscriptions: 10 })).toThrow(
      InvalidMessageError,
    )
    const ids = RPC.encode({
      subscriptions: [],
      messages: [],
      control: {
        ihave: [],
        iwant: [{ messageIDs: Array.from({ length: 6 }, () => Uint8Array.of(1)) }],
        graft: [],
        prune: [],
        idontwant: [],
      },
    })
    expect(() => decodeRpc(ids, { ...DEFAULT_RPC_LIMITS, maxIwantMessageIds: 5 })).toThrow(
      InvalidMessageError,
    )
    expect(decodeRpc(ids).control?.iwant[0].messageIDs.length).toBe(6)
  })
})
