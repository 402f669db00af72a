/**
 * A byte-level fixture written out by hand from the RFC layouts, with the
 * peer-id spec's Ed25519 test key. The signature is computed here with
 * node:crypto directly over the hand-built signed bytes, so the test does not
 * take the package's word for any byte.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { privateKeyFromProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { openPeerRecord, PeerRecord, RecordEnvelope, signedData } from '../src/index.js'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

// peer-ids/peer-ids.md, "Test vectors": Ed25519 private key = seed || public key
const SEED = '7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d'
const PUBLIC = '1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e'
const PRIVATE_KEY_PROTOBUF = `08 01 12 40 ${SEED} ${PUBLIC}`

// RFC 0003 "Address Record Format", with the RFC example's seq and addresses
const PEER_RECORD = `
  0a 26  00 24  08 01 12 20 ${PUBLIC}
  10  bd aa de ec 05
  1a 0a  0a 08  04 c0 00 02 00  06 00 2a
  1a 0a  0a 08  04 c6 33 64 00  06 00 2a`
// RFC 0002 "Signature Production / Verification"
const SIGNED_DATA = `
  12 ${toHex(new TextEncoder().encode('libp2p-peer-record'))}
  02 03 01
  46 ${PEER_RECORD}`
// RFC 0002 "Wire Format"; the signature goes after 2a 40
const ENVELOPE_HEAD = `
  0a 24  08 01 12 20 ${PUBLIC}
  12 02  03 01
  1a 46  ${PEER_RECORD}
  2a 40`

function referenceSignature(): Uint8Array {
  const pkcs8 = hex(`302e020100300506032b657004220420 ${SEED}`)
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  return new Uint8Array(sign(null, hex(SIGNED_DATA), key))
}

describe('hand-derived envelope fixture', () => {
  const privateKey = privateKeyFromProtobuf(hex(PRIVATE_KEY_PROTOBUF))
  const record = new PeerRecord({
    peerId: peerIdFromPrivateKey(privateKey),
    multiaddrs: [multiaddr('/ip4/192.0.2.0/tcp/42'), multiaddr('/ip4/198.51.100.0/tcp/42')],
    seqNumber: 1570215229n,
  })

  it('marshals the peer record byte for byte', () => {
    expect(toHex(record.marshal())).toBe(toHex(hex(PEER_RECORD)))
  })

  it('signs exactly the RFC 0002 signed-data layout', () => {
    expect(toHex(signedData(PeerRecord.DOMAIN, PeerRecord.CODEC, record.marshal()).subarray())).toBe(
      toHex(hex(SIGNED_DATA)),
    )
  })

  it('seals into the hand-built envelope bytes', async () => {
    const envelope = await RecordEnvelope.seal(record, privateKey)
    const expected = new Uint8Array([...hex(ENVELOPE_HEAD), ...referenceSignature()])
    expect(toHex(envelope.marshal())).toBe(toHex(expected))
  })

  it('opens the hand-built envelope bytes', async () => {
    const bytes = new Uint8Array([...hex(ENVELOPE_HEAD), ...referenceSignature()])
    const { envelope, record: opened } = await openPeerRecord(bytes)
    expect(opened.equals(record)).toBe(true)
    expect(opened.seqNumber).toBe(1570215229n)
    expect(opened.multiaddrs.map((address) => address.toString())).toEqual([
      '/ip4/192.0.2.0/tcp/42',
      '/ip4/198.51.100.0/tcp/42',
    ])
    expect(opened.peerId.toString()).toBe('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')
    expect(toHex(envelope.marshal())).toBe(toHex(bytes))
  })
})
