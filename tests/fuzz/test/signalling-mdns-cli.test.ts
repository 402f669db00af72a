/**
 * What arrives from a broker, the LAN or a local client: MQTT signalling
 * envelopes (sealed, signed, body, payloads), mDNS answers, and the request
 * head the CLI daemon parses before it routes a connection.
 */
import { checkRequest, loopbackHost, ownOrigin } from '@weft/cli'
import { generateKeyPairFromSeed } from '@weft/crypto'
import { parseResponse, queryKind } from '@weft/mdns'
import { decodeBody, decodeSealed, decodeSigned, openSignal, sealKeys } from '@weft/mqtt-signalling'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { parseHead } from '../../../packages/app/cli/src/daemon/http-front.js'
import { p2pdRouteName } from '../../../packages/app/cli/src/daemon/p2pd-routes.js'
import {
  decodeAddressList,
  decodeDialBackResult,
} from '../../../packages/signalling/mqtt-signalling/src/messages.js'
import { SIGNAL_NOW } from './support/fixed-keys.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

const utf8 = new TextDecoder('utf-8', { fatal: false })
const recipient = generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(8))

async function openAsRecipient(bytes: Uint8Array): Promise<unknown> {
  const key = await recipient
  return openSignal(bytes, {
    keys: sealKeys(peerIdFromPrivateKey(key), key),
    now: SIGNAL_NOW,
    maxSize: 16 * 1024,
    maxTtl: 5 * 60_000,
    clockSkew: 30_000,
  })
}

describe('mqtt signalling', () => {
  fuzzTarget('mqtt-signal', openAsRecipient)
  fuzzTarget('mqtt-sealed', (bytes) => decodeSealed(bytes))
  fuzzTarget('mqtt-signed', (bytes) => decodeSigned(bytes))
  fuzzTarget('mqtt-body', (bytes) => decodeBody(bytes))
  fuzzTarget('mqtt-address-list', (bytes) => decodeAddressList(bytes))
  fuzzTarget('mqtt-dial-back-result', (bytes) => decodeDialBackResult(bytes), { corpus: 'mqtt-address-list' })
})

const SERVICE_TAG = '_p2p._udp.local'

/**
 * An answer as multicast-dns hands it over, its TXT strings taken from the
 * input (NUL-separated). Decoding the DNS wire format is dns-packet's job;
 * multicast-dns drops packets it cannot decode, so weft's parser is what
 * meets hostile content.
 */
function answerFrom(bytes: Uint8Array) {
  const strings: Uint8Array[] = []
  let start = 0
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0) {
      strings.push(bytes.subarray(start, i))
      start = i + 1
    }
  }
  const instance = `${utf8.decode(strings[0]?.subarray(0, 8))}.${SERVICE_TAG}`
  return {
    questions: [{ name: utf8.decode(strings.at(-1)), type: 'PTR' }],
    answers: [{ name: SERVICE_TAG, type: 'PTR', data: instance }],
    additionals: [
      { name: instance, type: 'TXT', data: strings },
      { name: instance, type: 'TXT', data: utf8.decode(bytes) },
    ],
  }
}

describe('mdns', () => {
  fuzzTarget('mdns', (bytes) => {
    const packet = answerFrom(bytes)
    return [queryKind(packet), parseResponse(packet, SERVICE_TAG, 'self')]
  })
})

/** The head as the daemon reads it (latin1, up to the blank line), then its checks and routing. */
function routeHead(bytes: Uint8Array): unknown {
  const head = parseHead(Buffer.from(bytes).toString('latin1'))
  if (head === undefined) return undefined
  const segments = head.target
    .split('?')[0]!
    .split('/')
    .filter((segment) => segment !== '')
  return {
    refusal: checkRequest(head.headers, 'abc', 5001),
    host: loopbackHost(head.headers.host, 5001),
    origin: ownOrigin(head.headers.origin, 5001),
    route: p2pdRouteName(segments),
  }
}

const token = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-0123456789'),
  minLength: 1,
  maxLength: 16,
})

describe('cli daemon', () => {
  fuzzTarget('cli-http', routeHead, { maxLength: 1024 })
  roundTrip(
    'cli-http head',
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      target: token.map((path) => `/${path}`),
      headers: fc.dictionary(
        token,
        fc.string({ unit: fc.constantFrom(...'abc 123:/;='), maxLength: 20 }).map((v) => v.trim()),
        {
          maxKeys: 5,
        },
      ),
    }),
    (head) => {
      const text = [
        `${head.method} ${head.target} HTTP/1.1`,
        ...Object.entries(head.headers).map(([k, v]) => `${k}: ${v}`),
      ]
      expect(parseHead(text.join('\r\n'))).toEqual(head)
    },
  )
})
