/**
 * Fixed inputs that every run checks, whatever the random seed: the classic
 * parser killers (overlong varints, lengths past the end, deep nesting, low-
 * order keys, entity expansion, prototype keys) for each family. Each must
 * decode or throw a typed error, quickly. A crash the fuzzer finds is added
 * here with its input once the parser is fixed (open ones are listed in
 * README.md).
 */
import { decode as bencode, parseMessage as parseKrpc } from '@weft/mainline-dht'
import { nodeCrypto } from '@weft/noise'
import { peerIdFromString } from '@weft/peer-id'
import { parseXml } from '@weft/port-mapping'
import { decodeFrames, decodeTransportParameters } from '@weft/quic'
import { decodeMessage as decodeStun } from '@weft/stun'
import { describe, expect, it } from 'vitest'
import { parseHead } from '../../../packages/app/cli/src/daemon/http-front.js'
import { MessageDecoder } from '../../../packages/core/multistream/src/codec.js'
import { FrameDecoder as MplexDecoder } from '../../../packages/muxers/mplex/src/decoder.js'
import { decodeHeader } from '../../../packages/muxers/yamux/src/frame.js'
import { decodeMessage as decodeKad } from '../../../packages/routing/kad-dht/src/network.js'
import { HandshakeState } from '../../../packages/security/noise/src/handshake-state.js'
import { fromHex } from './support/corpus.js'
import { handshakeKeys } from './support/fixed-keys.js'
import { checkDecode, type Decode } from './support/fuzz.js'

const text = new TextEncoder()
const hex = (value: string) => fromHex(value)
const repeat = (part: string, times: number) => text.encode(part.repeat(times))

function readMessageB(bytes: Uint8Array): Uint8Array {
  const initiator = new HandshakeState({ crypto: nodeCrypto, initiator: true, ...handshakeKeys().initiator })
  initiator.writeMessage(new Uint8Array(0))
  return initiator.readMessage(bytes)
}

interface Case {
  target: string
  why: string
  decode: Decode
  input: Uint8Array
}

const cases: Case[] = [
  {
    target: 'multistream',
    why: 'a ten-byte varint length prefix',
    decode: (bytes) => {
      const decoder = new MessageDecoder()
      decoder.push(bytes)
      return decoder.next()
    },
    input: hex('ffffffffffffffffff01'),
  },
  {
    target: 'mplex-decoder',
    why: 'a header varint past the safe integer range',
    decode: (bytes) => new MplexDecoder(1 << 20).decode(bytes, () => {}),
    input: hex('ffffffffffffffff7f00'),
  },
  {
    target: 'yamux-header',
    why: 'version 1',
    decode: (bytes) => decodeHeader(bytes, 0),
    input: hex('010000000000000100000000'),
  },
  {
    target: 'noise-handshake-b',
    why: 'an all-zero ephemeral key (small order: X25519 gives all zeros)',
    decode: readMessageB,
    input: new Uint8Array(32 + 48 + 16),
  },
  {
    target: 'kad',
    why: 'a length-delimited field announcing 4 GiB',
    decode: (bytes) => decodeKad(bytes),
    input: hex('12ffffffff0f00'),
  },
  {
    target: 'peer-id-string',
    why: 'a base58 string of a thousand characters',
    decode: (bytes) => peerIdFromString(new TextDecoder().decode(bytes)),
    input: repeat('z', 1000),
  },
  {
    target: 'bencode',
    why: 'lists nested ten thousand deep',
    decode: (bytes) => bencode(bytes),
    input: repeat('l', 10_000),
  },
  {
    target: 'bencode',
    why: 'an integer past 2^64',
    decode: (bytes) => bencode(bytes),
    input: text.encode('i99999999999999999999999e'),
  },
  { target: 'bencode', why: 'negative zero', decode: (bytes) => bencode(bytes), input: text.encode('i-0e') },
  {
    target: 'krpc',
    why: 'dictionary keys out of order',
    decode: (bytes) => parseKrpc(bytes),
    input: text.encode('d1:y1:q1:t2:aae'),
  },
  {
    target: 'krpc',
    why: 'a __proto__ key',
    decode: (bytes) => parseKrpc(bytes),
    input: text.encode('d9:__proto__d1:ai1ee1:t2:aa1:y1:qe'),
  },
  {
    target: 'stun',
    why: 'an attribute whose length runs past the message',
    decode: (bytes) => decodeStun(bytes),
    input: hex('000100082112a442000102030405060708090a0b0020ffff00000000'),
  },
  {
    target: 'quic-frames',
    why: 'a STREAM frame announcing 2^62 - 1 bytes',
    decode: (bytes) => decodeFrames(bytes),
    input: hex('0a04ffffffffffffffff00'),
  },
  {
    target: 'quic-transport-parameters',
    why: 'a parameter sent twice',
    decode: (bytes) => decodeTransportParameters(bytes, 'server'),
    input: hex('010201000102010000'),
  },
  {
    target: 'upnp-xml',
    why: 'entity expansion (billion laughs)',
    decode: (bytes) => parseXml(new TextDecoder().decode(bytes)),
    input: text.encode(
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
    ),
  },
  {
    target: 'upnp-xml',
    why: 'elements nested ten thousand deep',
    decode: (bytes) => parseXml(new TextDecoder().decode(bytes)),
    input: text.encode(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`),
  },
  {
    target: 'cli-http',
    why: 'a __proto__ header',
    decode: (bytes) => parseHead(new TextDecoder().decode(bytes)),
    input: text.encode('GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y'),
  },
]

describe('fixed hostile inputs', () => {
  for (const { target, why, decode, input } of cases) {
    it(`${target}: ${why}`, async () => {
      await expect(checkDecode(decode, input)).resolves.toBeUndefined()
    })
  }
})
