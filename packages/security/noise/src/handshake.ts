/**
 * Runs the libp2p Noise XX handshake over a message stream (libp2p/specs
 * noise/README.md): messages framed with a 2-byte big-endian length; the
 * responder's payload rides in message 2, the initiator's in message 3; each
 * payload carries the sender's libp2p public key and its signature over
 * "noise-libp2p-static-key:" || the sender's static X25519 key.
 */
import {
  type AbortOptions,
  InvalidCryptoExchangeError,
  type Logger,
  type MessageStream,
  type PeerId,
  type PublicKey,
  UnexpectedPeerError,
} from '@libp2p/interface'
import { publicKeyFromProtobuf } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { concatBytes, StreamReader, sendAll } from '@weft/utils'
import type { NoiseCrypto, X25519KeyPair } from './crypto/index.js'
import { HandshakeState, MAX_MESSAGE_LENGTH, type TransportCiphers } from './handshake-state.js'
import { selectStreamMuxer } from './muxer-negotiation.js'
import { decodePayload, encodePayload, type NoiseExtensions, type NoiseHandshakePayload } from './payload.js'

/** Prefix of the signed static key (noise/README.md, "Static Key Authentication"). */
export const STATIC_KEY_SIGNATURE_PREFIX = 'noise-libp2p-static-key:'

export interface HandshakeInit extends AbortOptions {
  crypto: NoiseCrypto
  initiator: boolean
  staticKeyPair: X25519KeyPair
  /** our libp2p public key, protobuf-encoded */
  identityKey: Uint8Array
  /** our signature of the static key (see `staticKeySignatureData`) */
  identitySig: Uint8Array
  prologue: Uint8Array
  /** muxer protocols to offer, most preferred first; empty sends no extension */
  streamMuxers: readonly string[]
  /** when set, the remote must prove this identity */
  remotePeer?: PeerId
  log: Logger
}

export interface HandshakeResult {
  remotePeer: PeerId
  remotePublicKey: PublicKey
  remoteExtensions?: NoiseExtensions
  /** the muxer protocol both sides picked, when both sent a list with overlap */
  streamMuxer?: string
  ciphers: TransportCiphers
}

/** The bytes a peer signs to bind its static key to its identity. */
export function staticKeySignatureData(staticPublicKey: Uint8Array): Uint8Array {
  return concatBytes([new TextEncoder().encode(STATIC_KEY_SIGNATURE_PREFIX), staticPublicKey])
}

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + message.byteLength)
  new DataView(out.buffer).setUint16(0, message.byteLength)
  out.set(message, 2)
  return out
}

/**
 * Performs the handshake. Bytes the remote sent after its last handshake
 * message are handed back to `connection` (via `unshift`) for the transport
 * phase. Rejects with `InvalidCryptoExchangeError`, `UnexpectedPeerError`, the
 * signal's reason or the stream's error; the caller decides about the stream.
 */
export async function performHandshake(
  connection: MessageStream,
  init: HandshakeInit,
): Promise<HandshakeResult> {
  const state = new HandshakeState({
    crypto: init.crypto,
    initiator: init.initiator,
    staticKeyPair: init.staticKeyPair,
    prologue: init.prologue,
  })
  const options = { signal: init.signal }
  const ourPayload = encodePayload({
    identityKey: init.identityKey,
    identitySig: init.identitySig,
    extensions:
      init.streamMuxers.length > 0
        ? { webtransportCerthashes: [], streamMuxers: [...init.streamMuxers] }
        : undefined,
  })
  // one handshake message plus its prefix; the reader pauses the stream beyond that
  const reader = new StreamReader(connection, { maxBufferLength: 2 + MAX_MESSAGE_LENGTH })
  const write = async (payload: Uint8Array): Promise<void> => {
    await sendAll(connection, frame(state.writeMessage(payload)), options)
  }
  const read = async (): Promise<Uint8Array> => {
    const message = await reader.readUint16Prefixed(options)
    return state.readMessage(message.subarray())
  }
  let remote: { payload: NoiseHandshakePayload; publicKey: PublicKey; peerId: PeerId }
  try {
    if (init.initiator) {
      init.log.trace('sending noise message 1')
      await write(new Uint8Array(0))
      const payload = await read()
      init.log.trace('received noise message 2')
      remote = await verifyPayload(payload, state.remoteStaticKey!, init.remotePeer)
      await write(initiatorFinalPayload(init, ourPayload, remote.payload.extensions?.streamMuxers ?? []))
      init.log.trace('sent noise message 3')
    } else {
      // message 1 carries no libp2p payload; anything there is ignored (but hashed)
      await read()
      init.log.trace('received noise message 1')
      await write(ourPayload)
      init.log.trace('sent noise message 2')
      const payload = await read()
      init.log.trace('received noise message 3')
      remote = await verifyPayload(payload, state.remoteStaticKey!, init.remotePeer)
    }
  } finally {
    reader.release()
  }
  const remoteMuxers = remote.payload.extensions?.streamMuxers ?? []
  const streamMuxer =
    init.streamMuxers.length === 0
      ? undefined
      : init.initiator
        ? selectStreamMuxer(init.streamMuxers, remoteMuxers)
        : selectStreamMuxer(remoteMuxers, init.streamMuxers)
  return {
    remotePeer: remote.peerId,
    remotePublicKey: remote.publicKey,
    remoteExtensions: remote.payload.extensions,
    streamMuxer,
    ciphers: state.split(),
  }
}

/**
 * The initiator's message 3. Having seen the responder's muxers, it sends only
 * the one it picked (inlined-muxer-negotiation.md: it "MAY choose a single
 * multiplexer from the responder's list and only send that value"). Stacks
 * read the two lists differently (js-libp2p-noise takes the responder's order,
 * go-libp2p the initiator's); with a single entry every reading agrees.
 */
function initiatorFinalPayload(
  init: HandshakeInit,
  fullPayload: Uint8Array,
  responderMuxers: string[],
): Uint8Array {
  if (init.streamMuxers.length === 0 || responderMuxers.length === 0) return fullPayload
  const chosen = selectStreamMuxer(init.streamMuxers, responderMuxers)
  if (chosen == null) return fullPayload
  return encodePayload({
    identityKey: init.identityKey,
    identitySig: init.identitySig,
    extensions: { webtransportCerthashes: [], streamMuxers: [chosen] },
  })
}

async function verifyPayload(
  bytes: Uint8Array,
  remoteStaticKey: Uint8Array,
  expectedPeer: PeerId | undefined,
): Promise<{ payload: NoiseHandshakePayload; publicKey: PublicKey; peerId: PeerId }> {
  const payload = decodePayload(bytes)
  let publicKey: PublicKey
  try {
    publicKey = publicKeyFromProtobuf(payload.identityKey)
  } catch (err) {
    throw new InvalidCryptoExchangeError(`the remote's identity key is invalid: ${(err as Error).message}`)
  }
  let valid: boolean
  try {
    valid = await publicKey.verify(staticKeySignatureData(remoteStaticKey), payload.identitySig)
  } catch (err) {
    throw new InvalidCryptoExchangeError(
      `could not verify the remote's static key signature: ${(err as Error).message}`,
    )
  }
  if (!valid) {
    throw new InvalidCryptoExchangeError("the remote's signature of its static noise key is invalid")
  }
  let peerId: PeerId
  try {
    peerId = peerIdFromPublicKey(publicKey)
  } catch (err) {
    throw new InvalidCryptoExchangeError(
      `the remote's identity key has no peer id: ${(err as Error).message}`,
    )
  }
  if (expectedPeer != null && !expectedPeer.equals(peerId)) {
    throw new UnexpectedPeerError(
      `expected to reach ${expectedPeer.toString()} but the remote is ${peerId.toString()}`,
    )
  }
  return { payload, publicKey, peerId }
}
