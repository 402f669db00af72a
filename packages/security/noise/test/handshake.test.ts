import { InvalidCryptoExchangeError, type PrivateKey, UnexpectedPeerError } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { delay, StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { nodeCrypto } from '../src/crypto/node.js'
import { encryptFrames } from '../src/frames.js'
import { staticKeySignatureData } from '../src/handshake.js'
import { HandshakeState } from '../src/handshake-state.js'
import { nobleCrypto } from '../src/index.js'
import { encodePayload } from '../src/payload.js'
import { createPeer, type Peer, pattern, readBytes, sameBytes, securePair, text } from './fixtures.js'

function frame(message: Uint8Array): Uint8Array {
  return Uint8Array.from([message.byteLength >> 8, message.byteLength & 0xff, ...message])
}

/**
 * A hand-driven initiator, to send what a well-behaved one would not: a bad
 * identity key, or transport bytes glued to message 3.
 */
async function manualInitiator(
  raw: ReturnType<typeof streamPair>[0],
  identity: { identityKey: Uint8Array; sign: (data: Uint8Array) => Uint8Array | Promise<Uint8Array> },
  afterMessage3: (state: HandshakeState) => Uint8Array = () => new Uint8Array(0),
): Promise<HandshakeState> {
  const staticKeyPair = nodeCrypto.generateX25519KeyPair()
  const state = new HandshakeState({ crypto: nodeCrypto, initiator: true, staticKeyPair })
  const reader = new StreamReader(raw)
  raw.send(frame(state.writeMessage(new Uint8Array(0))))
  state.readMessage((await reader.readUint16Prefixed()).subarray())
  reader.release()
  const payload = encodePayload({
    identityKey: identity.identityKey,
    identitySig: await identity.sign(staticKeySignatureData(staticKeyPair.publicKey)),
  })
  const message3 = frame(state.writeMessage(payload))
  const extra = afterMessage3(state)
  raw.send(Uint8Array.from([...message3, ...extra]))
  return state
}

describe.each([
  ['Ed25519', 'Ed25519'],
  ['secp256k1', 'secp256k1'],
  ['Ed25519', 'secp256k1'],
] as const)('handshake between %s and %s identities', (dialerType, listenerType) => {
  it('authenticates both sides and carries data both ways', async () => {
    const dialer = await createPeer(dialerType)
    const listener = await createPeer(listenerType)
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(outbound.remotePeer.equals(peerIdFromPrivateKey(listener.privateKey))).toBe(true)
    expect(inbound.remotePeer.equals(peerIdFromPrivateKey(dialer.privateKey))).toBe(true)
    expect(outbound.remotePeer.type).toBe(listenerType)

    const toListener = readBytes(inbound.connection, 5)
    outbound.connection.send(text('hello'))
    expect(new TextDecoder().decode(await toListener)).toBe('hello')
    const toDialer = readBytes(outbound.connection, 5)
    inbound.connection.send(text('world'))
    expect(new TextDecoder().decode(await toDialer)).toBe('world')
  })
})

describe('handshake', () => {
  it('works with an RSA identity and with the noble primitives on one side', async () => {
    const dialer = await createPeer('RSA', { crypto: nobleCrypto })
    const listener = await createPeer('Ed25519')
    const { outbound, inbound } = await securePair(dialer, listener)
    expect(inbound.remotePeer.type).toBe('RSA')
    const received = readBytes(outbound.connection, 3)
    inbound.connection.send(Uint8Array.from([1, 2, 3]))
    expect(Array.from(await received)).toEqual([1, 2, 3])
  })

  it('accepts the expected remote peer on both sides', async () => {
    const dialer = await createPeer()
    const listener = await createPeer()
    const { outbound } = await securePair(dialer, listener, {
      outbound: { remotePeer: peerIdFromPrivateKey(listener.privateKey) },
      inbound: { remotePeer: peerIdFromPrivateKey(dialer.privateKey) },
    })
    expect(outbound.remotePeer.equals(peerIdFromPrivateKey(listener.privateKey))).toBe(true)
  })

  it('throws UnexpectedPeerError when the responder is someone else, before revealing the initiator', async () => {
    const dialer = await createPeer()
    const listener = await createPeer()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const [a, b] = streamPair()
    const outbound = dialer.noise.secureOutbound(a, { remotePeer: stranger })
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    await expect(outbound).rejects.toThrow(UnexpectedPeerError)
    await expect(outbound).rejects.toHaveProperty('name', 'UnexpectedPeerError')
    // the initiator stopped instead of sending message 3: the responder is still waiting for it
    const waiting = await Promise.race([
      inbound.then(
        () => 'done',
        () => 'failed',
      ),
      delay(50).then(() => 'waiting'),
    ])
    expect(waiting).toBe('waiting')
    // the connection is left to the caller (the upgrader aborts it)
    expect(a.status).toBe('open')
    a.abort(new Error('handshake failed'))
    await expect(inbound).rejects.toThrow()
  })

  it('throws UnexpectedPeerError on the responder side too', async () => {
    const dialer = await createPeer()
    const listener = await createPeer()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    const [a, b] = streamPair()
    const outbound = dialer.noise.secureOutbound(a)
    const inbound = listener.noise.secureInbound(b, { remotePeer: stranger })
    await expect(inbound).rejects.toHaveProperty('name', 'UnexpectedPeerError')
    await outbound.catch(() => {})
  })

  it('rejects a signature that does not cover the static key', async () => {
    const signer = await generateKeyPair('Ed25519')
    const dialer: Peer = await createPeer('Ed25519', {}, undefined, {
      ...signer,
      type: 'Ed25519',
      publicKey: signer.publicKey,
      raw: signer.raw,
      equals: (other: unknown) => signer.equals(other as PrivateKey),
      sign: (data: Uint8Array) => signer.sign(Uint8Array.from([...data, 0])),
    } as unknown as PrivateKey)
    const listener = await createPeer()
    const [a, b] = streamPair()
    const outbound = dialer.noise.secureOutbound(a, { signal: AbortSignal.timeout(5000) })
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    await expect(inbound).rejects.toThrow(InvalidCryptoExchangeError)
    await outbound.catch(() => {})
    // the connection is left to the caller (the upgrader aborts it)
    expect(b.status).toBe('open')
    b.abort(new Error('handshake failed'))
  })

  it('rejects an undecodable identity key', async () => {
    const listener = await createPeer()
    const [a, b] = streamPair()
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    await manualInitiator(a, {
      identityKey: Uint8Array.from([8, 9, 18, 1, 0]),
      sign: () => new Uint8Array(64),
    })
    await expect(inbound).rejects.toThrow(InvalidCryptoExchangeError)
  })

  it('rejects a valid signature by a different key than the one presented', async () => {
    const listener = await createPeer()
    const presented = await generateKeyPair('Ed25519')
    const actual = await generateKeyPair('Ed25519')
    const [a, b] = streamPair()
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    await manualInitiator(a, {
      identityKey: publicKeyToProtobuf(presented.publicKey),
      sign: (d) => actual.sign(d),
    })
    await expect(inbound).rejects.toThrow(InvalidCryptoExchangeError)
  })

  it('keeps transport bytes that arrive in the same chunk as message 3', async () => {
    const identity = await generateKeyPair('Ed25519')
    const listener = await createPeer()
    const [a, b] = streamPair()
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    const data = pattern(100_000)
    await manualInitiator(
      a,
      { identityKey: publicKeyToProtobuf(identity.publicKey), sign: (d) => identity.sign(d) },
      (state) => encryptFrames(state.split().send, data).subarray(),
    )
    const secured = await inbound
    expect(secured.remotePeer.equals(peerIdFromPrivateKey(identity))).toBe(true)
    expect(sameBytes(await readBytes(secured.connection, data.byteLength), data)).toBe(true)
  })

  it('fails when the prologues differ', async () => {
    const dialer = await createPeer('Ed25519', { prologueBytes: text('one') })
    const listener = await createPeer('Ed25519', { prologueBytes: text('two') })
    const [a, b] = streamPair()
    const outbound = dialer.noise.secureOutbound(a, { signal: AbortSignal.timeout(5000) })
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    await expect(outbound).rejects.toThrow(InvalidCryptoExchangeError)
    await inbound.catch(() => {})
  })

  it('uses the given static noise key', async () => {
    const staticNoiseKey = Uint8Array.from(
      Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex'),
    )
    const peer = await createPeer('Ed25519', { staticNoiseKey })
    expect(Buffer.from(peer.noise.staticPublicKey).toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    )
    const { outbound } = await securePair(await createPeer(), peer)
    expect(outbound.remotePeer.equals(peerIdFromPrivateKey(peer.privateKey))).toBe(true)
  })

  it('stops a stalled handshake when the signal aborts, leaving the connection to the caller', async () => {
    const listener = await createPeer()
    const [a, b] = streamPair()
    const started = Date.now()
    // the remote never speaks
    await expect(
      listener.noise.secureInbound(b, { signal: AbortSignal.timeout(100) }),
    ).rejects.toHaveProperty('name', 'TimeoutError')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(b.status).toBe('open')
    expect(a.status).toBe('open')
    b.abort(new Error('done'))
  })

  it('gives up after handshakeTimeout without a caller signal', async () => {
    const listener = await createPeer('Ed25519', { handshakeTimeout: 100 })
    const [, b] = streamPair()
    await expect(listener.noise.secureInbound(b)).rejects.toHaveProperty('name', 'TimeoutError')
    expect(b.status).toBe('open')
    b.abort(new Error('done'))
  })

  it('stops a handshake stalled after message 1', async () => {
    const dialer = await createPeer()
    const [a, b] = streamPair()
    const state = new HandshakeState({
      crypto: nodeCrypto,
      initiator: false,
      staticKeyPair: nodeCrypto.generateX25519KeyPair(),
    })
    b.addEventListener('message', (evt) => state.readMessage(evt.data.subarray(2)), { once: true })
    const controller = new AbortController()
    const outbound = dialer.noise.secureOutbound(a, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('gave up')), 50)
    await expect(outbound).rejects.toThrow('gave up')
    expect(state.writing).toBe(true)
  })

  it('rejects at once with an aborted signal', async () => {
    const dialer = await createPeer()
    const [a] = streamPair()
    await expect(dialer.noise.secureOutbound(a, { signal: AbortSignal.abort() })).rejects.toThrow()
    expect(a.status).toBe('open')
    a.abort(new Error('done'))
  })

  it('fails with a typed error when the remote closes mid-handshake', async () => {
    const listener = await createPeer()
    const [a, b] = streamPair()
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    a.send(Uint8Array.from([0, 32, 1, 2, 3]))
    await a.close()
    await expect(inbound).rejects.toHaveProperty('name', 'UnexpectedEOFError')
  })

  it('rejects a message 1 that is too short', async () => {
    const listener = await createPeer()
    const [a, b] = streamPair()
    const inbound = listener.noise.secureInbound(b, { signal: AbortSignal.timeout(5000) })
    a.send(Uint8Array.from([0, 3, 1, 2, 3]))
    await expect(inbound).rejects.toHaveProperty('name', 'InvalidFrameError')
  })

  it('exposes the brand js-libp2p reads', async () => {
    const { noise } = await createPeer()
    expect(noise.protocol).toBe('/noise')
    expect(Object.prototype.toString.call(noise)).toBe('[object @weft/noise]')
  })
})
