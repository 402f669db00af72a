/**
 * Noise key substitution: a man in the middle presents the victim's identity
 * key and a signature the victim really made (it sends one in every
 * handshake), but over the victim's static Noise key, while the handshake
 * runs on the impostor's own static key (it has no other). The signature
 * must not verify, on either side. A flipped byte in a signature is refused too.
 */
import type { PrivateKey, SecureConnectionOptions } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { Noise } from '@weft/noise'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'

const PREFIX = new TextEncoder().encode('noise-libp2p-static-key:')

function noiseFor(privateKey: PrivateKey): Noise {
  return new Noise({ privateKey, peerId: peerIdFromPrivateKey(privateKey), logger: defaultLogger() })
}

/** A key that shows `victim`'s public key and answers every signing request with `signature`. */
function impostorKey(victim: PrivateKey, signature: (data: Uint8Array) => Promise<Uint8Array>): PrivateKey {
  return {
    type: victim.type,
    publicKey: victim.publicKey,
    raw: new Uint8Array(64),
    equals: () => false,
    sign: signature,
  } as unknown as PrivateKey
}

/** The victim's real signature of its own static Noise key, as any peer it talked to has seen. */
async function capturedSignature(victim: PrivateKey, victimNoise: Noise): Promise<Uint8Array> {
  return victim.sign(Uint8Array.from([...PREFIX, ...victimNoise.staticPublicKey]))
}

/** Runs a handshake; resolves with what each side ended with (the secured peer id or the error name). */
async function handshake(
  dialer: Noise,
  listener: Noise,
  options: { outbound?: SecureConnectionOptions; inbound?: SecureConnectionOptions } = {},
): Promise<{ dialer: string; listener: string }> {
  const [a, b] = streamPair()
  const signal = AbortSignal.timeout(5_000)
  const settle = async (pending: Promise<{ remotePeer: { toString(): string } }>): Promise<string> =>
    pending.then(
      (secured) => secured.remotePeer.toString(),
      (err: Error) => {
        // a failed side leaves the raw stream to its caller, as the upgrader does: abort it
        a.abort(err)
        b.abort(err)
        return err.name
      },
    )
  const [outbound, inbound] = await Promise.all([
    settle(dialer.secureOutbound(a, { signal, ...options.outbound })),
    settle(listener.secureInbound(b, { signal, ...options.inbound })),
  ])
  return { dialer: outbound, listener: inbound }
}

describe('noise key substitution', () => {
  it("an impostor answering with the listener's identity and captured signature is refused by the dialer", async () => {
    const victimKey = await generateKeyPair('Ed25519')
    const victim = noiseFor(victimKey)
    const signature = await capturedSignature(victimKey, victim)
    const impostor = new Noise({
      privateKey: impostorKey(victimKey, async () => signature),
      peerId: peerIdFromPrivateKey(victimKey),
      logger: defaultLogger(),
    })
    const dialer = noiseFor(await generateKeyPair('Ed25519'))
    const victimId = peerIdFromPrivateKey(victimKey)
    for (const outbound of [{ remotePeer: victimId }, {}]) {
      const result = await handshake(dialer, impostor, { outbound })
      expect(result.dialer).toBe('InvalidCryptoExchangeError')
      expect(result.listener).not.toBe(victimId.toString())
    }
    // the same dialer and the real victim still agree
    const honest = await handshake(dialer, victim, { outbound: { remotePeer: victimId } })
    expect(honest.dialer).toBe(victimId.toString())
  })

  it("an impostor dialing with the dialer's identity and captured signature is refused by the listener", async () => {
    const victimKey = await generateKeyPair('secp256k1')
    const signature = await capturedSignature(victimKey, noiseFor(victimKey))
    const impostor = new Noise({
      privateKey: impostorKey(victimKey, async () => signature),
      peerId: peerIdFromPrivateKey(victimKey),
      logger: defaultLogger(),
    })
    const listener = noiseFor(await generateKeyPair('Ed25519'))
    const result = await handshake(impostor, listener)
    expect(result.listener).toBe('InvalidCryptoExchangeError')
  })

  it("a flipped byte in the listener's signature is refused by the dialer, and in the dialer's by the listener", async () => {
    const flipped = (key: PrivateKey) =>
      impostorKey(key, async (data) => {
        const signature = Uint8Array.from(await key.sign(data))
        signature[10] = (signature[10] as number) ^ 0x01
        return signature
      })
    const honestKey = await generateKeyPair('Ed25519')
    const honest = noiseFor(honestKey)
    const tamperedKey = await generateKeyPair('Ed25519')
    const tampered = new Noise({
      privateKey: flipped(tamperedKey),
      peerId: peerIdFromPrivateKey(tamperedKey),
      logger: defaultLogger(),
    })
    expect((await handshake(honest, tampered)).dialer).toBe('InvalidCryptoExchangeError')
    expect((await handshake(tampered, honest)).listener).toBe('InvalidCryptoExchangeError')
    // unflipped, the same identities agree
    const untampered = noiseFor(tamperedKey)
    expect((await handshake(honest, untampered)).dialer).toBe(peerIdFromPrivateKey(tamperedKey).toString())
  })
})
