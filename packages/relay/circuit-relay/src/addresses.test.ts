import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import {
  isDialableCircuit,
  isListenableCircuit,
  parseCircuitAddress,
  reservationAddressKey,
} from './addresses.js'

const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const target = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('circuit addresses', () => {
  it('splits a dial address into relay and target', () => {
    const parsed = parseCircuitAddress(
      multiaddr(`/ip4/192.0.2.1/tcp/4001/p2p/${relay}/p2p-circuit/p2p/${target}`),
    )
    expect(parsed.relay?.toString()).toBe(`/ip4/192.0.2.1/tcp/4001/p2p/${relay}`)
    expect(parsed.relayPeer?.equals(relay)).toBe(true)
    expect(parsed.target?.equals(target)).toBe(true)
  })

  it('tells dial and listen addresses apart', () => {
    const listen = multiaddr(`/ip4/192.0.2.1/tcp/4001/p2p/${relay}/p2p-circuit`)
    const dial = multiaddr(`${listen}/p2p/${target}`)
    expect(isListenableCircuit(listen)).toBe(true)
    expect(isDialableCircuit(listen)).toBe(false)
    expect(isDialableCircuit(dial)).toBe(true)
    expect(isListenableCircuit(dial)).toBe(false)
    expect(isListenableCircuit(multiaddr('/p2p-circuit'))).toBe(true)
    expect(isDialableCircuit(multiaddr(`/p2p-circuit/p2p/${target}`))).toBe(false)
    expect(isDialableCircuit(multiaddr('/ip4/192.0.2.1/tcp/4001'))).toBe(false)
  })

  it('refuses addresses that chain relays or name no relay id', () => {
    const chained = multiaddr(`/p2p/${relay}/p2p-circuit/p2p/${relay}/p2p-circuit/p2p/${target}`)
    expect(() => parseCircuitAddress(chained)).toThrow(
      expect.objectContaining({ name: 'InvalidRelayAddressError' }),
    )
    const noId = multiaddr(`/ip4/192.0.2.1/tcp/4001/p2p-circuit/p2p/${target}`)
    expect(() => parseCircuitAddress(noId)).toThrow(
      expect.objectContaining({ name: 'InvalidRelayAddressError' }),
    )
    expect(isDialableCircuit(noId)).toBe(false)
  })
})

describe('reservationAddressKey', () => {
  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(reservationAddressKey(multiaddr('/ip4/10.0.0.1/tcp/1'))).toBe('10.0.0.1')
    expect(reservationAddressKey(multiaddr('/ip6/2001:db8:0:1::5/tcp/1'))).toBe('2001:db8:0:1::/64')
    expect(reservationAddressKey(multiaddr('/ip6/2001:db8:0:1:ffff::6/tcp/1'))).toBe('2001:db8:0:1::/64')
    expect(reservationAddressKey(multiaddr('/ip6/::1/tcp/1'))).toBe('0:0:0:0::/64')
    expect(reservationAddressKey(multiaddr('/dns4/example.invalid/tcp/1'))).toBeUndefined()
  })
})
