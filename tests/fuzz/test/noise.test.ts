/**
 * Noise: the handshake messages B and C (ephemeral key, encrypted static key,
 * encrypted payload), the handshake payload protobuf, and the transport frame
 * decoder every byte of a secured connection passes through.
 */
import { nodeCrypto } from '@weft/noise'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { CipherState } from '../../../packages/security/noise/src/cipher-state.js'
import { encryptFrames, FrameDecoder } from '../../../packages/security/noise/src/frames.js'
import { HandshakeState } from '../../../packages/security/noise/src/handshake-state.js'
import { decodePayload, encodePayload } from '../../../packages/security/noise/src/payload.js'
import { socketChunks, splitAt } from './support/chunks.js'
import { FRAME_KEY, handshakeKeys } from './support/fixed-keys.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

/** The initiator after sending message A: `bytes` is the responder's message B. */
function readMessageB(bytes: Uint8Array): Uint8Array {
  const initiator = new HandshakeState({ crypto: nodeCrypto, initiator: true, ...handshakeKeys().initiator })
  initiator.writeMessage(new Uint8Array(0))
  return initiator.readMessage(bytes)
}

/** The responder after message B: `bytes` is the initiator's message C. */
function readMessageC(bytes: Uint8Array): Uint8Array {
  const keys = handshakeKeys()
  const initiator = new HandshakeState({ crypto: nodeCrypto, initiator: true, ...keys.initiator })
  const responder = new HandshakeState({ crypto: nodeCrypto, initiator: false, ...keys.responder })
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
  responder.writeMessage(new Uint8Array(0))
  return responder.readMessage(bytes)
}

function decryptFrames(chunks: readonly Uint8Array[]): Uint8Array {
  const decoder = new FrameDecoder(new CipherState(nodeCrypto, FRAME_KEY))
  const plaintext: Uint8Array[] = []
  for (const chunk of chunks) plaintext.push(decoder.push(chunk).subarray())
  return Uint8Array.from(plaintext.flatMap((part) => [...part]))
}

describe('noise', () => {
  fuzzTarget('noise-handshake-b', readMessageB)
  fuzzTarget('noise-handshake-c', readMessageC)
  fuzzTarget('noise-payload', (bytes) => decodePayload(bytes))
  fuzzTarget('noise-frames', (bytes) => decryptFrames([bytes]))
  fuzzTarget('noise-frames-chunked', (bytes) => decryptFrames(socketChunks(bytes)), {
    corpus: 'noise-frames',
  })

  roundTrip(
    'noise-payload',
    fc.record({
      identityKey: fc.uint8Array({ minLength: 1, maxLength: 80 }),
      identitySig: fc.uint8Array({ minLength: 1, maxLength: 80 }),
      extensions: fc.option(
        fc.record({
          webtransportCerthashes: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
          streamMuxers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
        }),
        { nil: undefined },
      ),
    }),
    (payload) => {
      const decoded = decodePayload(encodePayload(payload))
      expect(decoded.identityKey).toEqual(payload.identityKey)
      expect(decoded.identitySig).toEqual(payload.identitySig)
      // an empty extensions message encodes the same as an absent one
      const extensions = payload.extensions
      if (
        extensions !== undefined &&
        (extensions.webtransportCerthashes.length > 0 || extensions.streamMuxers.length > 0)
      ) {
        expect(decoded.extensions).toEqual(extensions)
      }
    },
  )

  roundTrip(
    'noise-frames, cut anywhere',
    fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 })),
    ([data, cuts]) => {
      const wire = encryptFrames(new CipherState(nodeCrypto, FRAME_KEY), data).subarray()
      expect(decryptFrames(splitAt(wire, cuts))).toEqual(data)
    },
  )
})
