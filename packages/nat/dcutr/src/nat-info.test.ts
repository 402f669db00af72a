import { describe, expect, it } from 'vitest'
import { HolePunch } from './holepunch.pb.js'
import { appendNatInfo, MAX_NAT_INFO_SIZE, type NatInfo, readNatInfo } from './nat-info.js'

const CONNECT = HolePunch.encode({
  type: HolePunch.Type.CONNECT,
  ObsAddrs: [new Uint8Array([4, 1, 2, 3, 4])],
})

describe('NAT information in a HolePunch', () => {
  it('round-trips every field, negative deltas included', () => {
    const info: NatInfo = {
      mapping: 'address-and-port-dependent',
      filtering: 'address-dependent',
      allocation: 'independent',
      delta: -3,
      birthday: true,
    }
    expect(readNatInfo(appendNatInfo(CONNECT, info))).toEqual(info)
    expect(readNatInfo(appendNatInfo(CONNECT, { allocation: 'random' }))).toEqual({ allocation: 'random' })
  })

  it('leaves the libp2p fields as they were: a peer that is not weft decodes the same message', () => {
    const withInfo = appendNatInfo(CONNECT, { mapping: 'endpoint-independent', delta: 1 })
    expect(HolePunch.decode(withInfo)).toEqual(HolePunch.decode(CONNECT))
  })

  it('reads none from a plain message, and none from a malformed or oversized field', () => {
    expect(readNatInfo(CONNECT)).toBeUndefined()
    expect(appendNatInfo(CONNECT, undefined)).toBe(CONNECT)
    const truncated = appendNatInfo(CONNECT, { mapping: 'endpoint-independent' }).slice(0, -1)
    expect(readNatInfo(truncated)).toBeUndefined()
    // field 1001, wire type 2, a length beyond the limit
    const oversized = new Uint8Array([
      ...CONNECT,
      0xca,
      0x3e,
      MAX_NAT_INFO_SIZE + 1,
      ...new Uint8Array(MAX_NAT_INFO_SIZE + 1),
    ])
    expect(readNatInfo(oversized)).toBeUndefined()
  })
})
