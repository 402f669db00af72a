import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { dialBackAddresses } from './dial-back-policy.js'
import {
  decodeAddressList,
  decodeDialBackResult,
  encodeAddressList,
  encodeDialBackResult,
} from './messages.js'

const ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe('dial-back policy', () => {
  const addrs = [
    '/ip4/127.0.0.1/tcp/4001',
    '/ip4/192.168.1.2/tcp/4001',
    '/ip4/203.0.113.5/tcp/4001',
    `/ip4/203.0.113.5/tcp/4001/p2p/${ID}`,
    '/ip6/2001:db8::1/tcp/4001/ws',
    '/dns4/example.com/tcp/4001',
    `/ip4/198.51.100.1/tcp/4001/p2p/${ID}/p2p-circuit`,
    '/ip4/198.51.100.2/udp/4001/quic-v1',
    '/ip4/198.51.100.3/ip4/198.51.100.4/tcp/1',
  ].map((addr) => multiaddr(addr))

  it('keeps public IP addresses with a transport, without /p2p/, once each', () => {
    expect(dialBackAddresses(addrs, { allowPrivateAddresses: false, max: 8 }).map(String)).toEqual([
      '/ip4/203.0.113.5/tcp/4001',
      '/ip6/2001:db8::1/tcp/4001/ws',
      '/ip4/198.51.100.2/udp/4001/quic-v1',
    ])
  })

  it('allows loopback and private ranges only when configured, and stops at max', () => {
    expect(dialBackAddresses(addrs, { allowPrivateAddresses: true, max: 2 }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4001',
      '/ip4/192.168.1.2/tcp/4001',
    ])
  })

  it('applies the user filter after the policy', () => {
    const filter = (addr: ReturnType<typeof multiaddr>) => !addr.toString().includes('/ws')
    expect(dialBackAddresses(addrs, { allowPrivateAddresses: false, max: 8, filter }).map(String)).toEqual([
      '/ip4/203.0.113.5/tcp/4001',
      '/ip4/198.51.100.2/udp/4001/quic-v1',
    ])
  })
})

describe('service payloads', () => {
  it('round-trip address lists, bounded to 32 and skipping what does not parse', () => {
    const list = Array.from({ length: 40 }, (_, i) => multiaddr(`/ip4/203.0.113.${i}/tcp/1`))
    const decoded = decodeAddressList(encodeAddressList(list))
    expect(decoded.map(String)).toEqual(list.slice(0, 32).map(String))
    // field 1 holding bytes that are no multiaddr
    expect(decodeAddressList(Uint8Array.of(0x0a, 0x02, 0xff, 0xff))).toEqual([])
    expect(() => decodeAddressList(Uint8Array.of(0x0a, 0x05))).toThrow(
      expect.objectContaining({ name: 'InvalidSignalError' }),
    )
  })

  it('round-trip dial-back results', () => {
    const address = multiaddr('/ip4/203.0.113.5/tcp/4001')
    expect(decodeDialBackResult(encodeDialBackResult({ ok: true, address }))).toEqual({ ok: true, address })
    expect(decodeDialBackResult(encodeDialBackResult({ ok: false, error: 'busy' }))).toEqual({
      ok: false,
      error: 'busy',
    })
  })
})
