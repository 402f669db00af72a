import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SERVICE_TAG,
  type DnsPacket,
  dnsaddr,
  parseDnsaddr,
  parseResponse,
  peerQuery,
  peerResponse,
  queryKind,
} from '../src/index.js'

const alice = peerIdFromString('12D3KooWFQ7Q8NMtQ5REeJ6mkFt5jLcKHPaEQquFAu3rv7fHXvNf')
const bob = peerIdFromString('12D3KooWJQX4h3nD1xKStbp6Af81UBVyDLmFdmbUyb7g83Yda5S2')
const tcp = multiaddr('/ip4/10.23.0.1/tcp/4001')

describe('mDNS packets', () => {
  it('asks for _p2p._udp.local PTR and recognises peer and DNS-SD queries', () => {
    const query = peerQuery()
    expect(query.questions).toEqual([{ name: '_p2p._udp.local', type: 'PTR', class: 'IN' }])
    expect(queryKind(query)).toBe('peers')
    expect(queryKind({ questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR' }] })).toBe('services')
    expect(queryKind({ questions: [{ name: 'printer.local', type: 'A' }] })).toBeUndefined()
    expect(queryKind({})).toBeUndefined()
  })

  it('answers with a PTR and one dnsaddr TXT record per address, and reads it back', () => {
    const response = peerResponse({
      serviceTag: DEFAULT_SERVICE_TAG,
      peerName: 'alicename',
      peerId: alice,
      multiaddrs: [tcp, multiaddr(`/ip4/10.23.0.1/tcp/4002/ws/p2p/${alice}`)],
    })!
    expect(response.answers).toEqual([
      { name: '_p2p._udp.local', type: 'PTR', class: 'IN', ttl: 120, data: 'alicename._p2p._udp.local' },
    ])
    expect(response.additionals.map((record) => record.data)).toEqual([
      `dnsaddr=/ip4/10.23.0.1/tcp/4001/p2p/${alice}`,
      `dnsaddr=/ip4/10.23.0.1/tcp/4002/ws/p2p/${alice}`,
    ])
    const peers = parseResponse(response, DEFAULT_SERVICE_TAG, 'bobname')
    expect(peers).toHaveLength(1)
    expect(peers[0]!.id.equals(alice)).toBe(true)
    expect(peers[0]!.multiaddrs.map(String)).toEqual([
      '/ip4/10.23.0.1/tcp/4001',
      '/ip4/10.23.0.1/tcp/4002/ws',
    ])
    // our own instance is ignored
    expect(parseResponse(response, DEFAULT_SERVICE_TAG, 'alicename')).toEqual([])
  })

  it('reads TXT records from answers too, with Buffer data and several strings (as js-libp2p sends)', () => {
    const packet: DnsPacket = {
      answers: [
        { name: '_p2p._udp.local', type: 'PTR', data: 'Other._p2p._udp.local' },
        {
          name: 'other._p2p._udp.local',
          type: 'TXT',
          data: [Buffer.from(`dnsaddr=/ip4/10.0.0.2/tcp/1/p2p/${bob}`), Buffer.from('junk'), 'dnsaddr=/nope'],
        },
      ],
    }
    const peers = parseResponse(packet, DEFAULT_SERVICE_TAG, 'me')
    expect(peers.map((peer) => peer.id.toString())).toEqual([bob.toString()])
    expect(peers[0]!.multiaddrs.map(String)).toEqual(['/ip4/10.0.0.2/tcp/1'])
  })

  it('ignores TXT records of instances no PTR named, and other services', () => {
    const packet: DnsPacket = {
      answers: [{ name: '_other._udp.local', type: 'PTR', data: 'x._other._udp.local' }],
      additionals: [
        { name: 'x._other._udp.local', type: 'TXT', data: `dnsaddr=/ip4/10.0.0.2/tcp/1/p2p/${bob}` },
      ],
    }
    expect(parseResponse(packet, DEFAULT_SERVICE_TAG, 'me')).toEqual([])
  })

  it('bounds records, addresses and peers per packet', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      name: 'flood._p2p._udp.local',
      type: 'TXT',
      data: `dnsaddr=/ip4/10.0.${Math.floor(i / 250)}.${i % 250}/tcp/1/p2p/${bob}`,
    }))
    const packet: DnsPacket = {
      answers: [{ name: '_p2p._udp.local', type: 'PTR', data: 'flood._p2p._udp.local' }],
      additionals: many,
    }
    const peers = parseResponse(packet, DEFAULT_SERVICE_TAG, 'me', {
      maxRecords: 50,
      maxAddresses: 8,
      maxPeers: 1,
    })
    expect(peers).toHaveLength(1)
    expect(peers[0]!.multiaddrs).toHaveLength(8)
    const fewRecords = parseResponse(packet, DEFAULT_SERVICE_TAG, 'me', {
      maxRecords: 3,
      maxAddresses: 8,
      maxPeers: 1,
    })
    expect(fewRecords[0]!.multiaddrs).toHaveLength(2)
  })

  it('refuses dnsaddr strings that are malformed, lack a peer id or exceed 255 bytes', () => {
    expect(parseDnsaddr('dnsaddr=/ip4/1.2.3.4/tcp/1')).toBeUndefined()
    expect(parseDnsaddr('dnsaddr=garbage')).toBeUndefined()
    expect(parseDnsaddr(`dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/${bob}${'x'.repeat(300)}`)).toBeUndefined()
    expect(parseDnsaddr(`other=/ip4/1.2.3.4/tcp/1/p2p/${bob}`)).toBeUndefined()
    const long = multiaddr(`/dns4/${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example/tcp/1`)
    expect(dnsaddr(long, alice)).toBeUndefined()
    expect(
      peerResponse({ serviceTag: DEFAULT_SERVICE_TAG, peerName: 'a', peerId: alice, multiaddrs: [long] }),
    ).toBeUndefined()
  })
})
