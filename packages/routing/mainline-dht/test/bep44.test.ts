import { randomBytes } from 'node:crypto'
import { generateKeyPairFromSeed } from '@weft/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ErrorCode,
  encode,
  ItemStore,
  immutableTarget,
  KrpcError,
  type MainlineDHT,
  MemoryNetwork,
  mainlineDHT,
  mutableTarget,
  signaturePayload,
  verifyItem,
} from '../src/index.js'
import { createSwarm, type Swarm } from './swarm.js'

const started: Array<MainlineDHT | Swarm> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.stop()))
})

const text = (value: string): Uint8Array => new TextEncoder().encode(value)

async function key(seed = 1) {
  return generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
}

/** Two nodes: `client` asks `server` directly, so each error comes back as it is. */
async function pair(): Promise<{ client: MainlineDHT; server: MainlineDHT }> {
  const network = new MemoryNetwork()
  const server = mainlineDHT({ socket: network.socket(), refreshInterval: 0 })
  await server.start()
  const client = mainlineDHT({ socket: network.socket(), refreshInterval: 0, bootstrap: server.addresses() })
  await client.start()
  started.push(server, client)
  return { client, server }
}

async function token(client: MainlineDHT, server: MainlineDHT, target: Uint8Array): Promise<Uint8Array> {
  const reply = await client.query(server.addresses()[0] as never, 'get', { target })
  return reply.values.token as Uint8Array
}

async function rejection(promise: Promise<unknown>): Promise<KrpcError> {
  const err = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(err).toBeInstanceOf(KrpcError)
  return err as KrpcError
}

describe('BEP44 pure parts', () => {
  it('signs the payload the BEP names, with and without salt', () => {
    expect(new TextDecoder().decode(signaturePayload(text('Hello World!'), 1))).toBe(
      '3:seqi1e1:v12:Hello World!',
    )
    expect(new TextDecoder().decode(signaturePayload(text('Hello World!'), 1, text('foobar')))).toBe(
      '4:salt6:foobar3:seqi1e1:v12:Hello World!',
    )
  })

  it('matches the BEP44 test vector for immutable targets', () => {
    // BEP44 "Test vectors": the value "Hello World!" is stored under e5f96f6f38320f0f33959cb4d3d656452117aadb
    expect(Buffer.from(immutableTarget(text('Hello World!'))).toString('hex')).toBe(
      'e5f96f6f38320f0f33959cb4d3d656452117aadb',
    )
  })

  it('verifies its own signatures and refuses a changed value', async () => {
    const signer = await key()
    const sig = await signer.sign(signaturePayload(text('v1'), 3))
    expect(verifyItem({ v: text('v1'), k: signer.publicKey.raw, sig, seq: 3 })).toBe(true)
    expect(verifyItem({ v: text('v2'), k: signer.publicKey.raw, sig, seq: 3 })).toBe(false)
    expect(verifyItem({ v: text('v1'), k: signer.publicKey.raw, sig, seq: 4 })).toBe(false)
  })

  it('keeps the item store within its caps and expires items', () => {
    let now = 0
    const store = new ItemStore({ maxItems: 3, maxBytes: 100, ttl: 1000, now: () => now })
    for (let index = 0; index < 5; index++) store.set(immutableTarget(index), { v: index })
    expect(store.size).toBe(3)
    expect(store.get(immutableTarget(0))).toBeUndefined()
    expect(store.get(immutableTarget(4))).toEqual({ v: 4 })
    store.set(immutableTarget(text('x'.repeat(90))), { v: text('x'.repeat(90)) })
    expect(store.storedBytes).toBeLessThanOrEqual(100)
    now = 1000
    store.sweep()
    expect(store.size).toBe(0)
    expect(store.storedBytes).toBe(0)
  })
})

describe('BEP44 on a memory swarm', () => {
  it('puts and gets an immutable item through a 40-node swarm', async () => {
    const swarm = await createSwarm(40)
    started.push(swarm)
    const value = { name: text('weft'), n: 7 }
    const put = await swarm.nodes[3]?.putImmutable(value)
    expect(put?.stored).toBeGreaterThanOrEqual(4)
    expect(put?.target).toEqual(immutableTarget(value))
    const got = await swarm.nodes[37]?.getImmutable(immutableTarget(value))
    expect(got?.v).toEqual({ name: text('weft'), n: 7 })
    expect((await swarm.nodes[20]?.getImmutable(immutableTarget(8)))?.v).toBeUndefined()
  })

  it('puts mutable items with salt; the highest seq wins', async () => {
    const swarm = await createSwarm(40)
    started.push(swarm)
    const signer = await key(2)
    const salt = text('libp2p')
    const first = await swarm.nodes[5]?.putMutable(signer, text('one'), { salt })
    expect(first?.seq).toBe(0)
    expect(first?.stored).toBeGreaterThanOrEqual(4)
    const second = await swarm.nodes[9]?.putMutable(signer, text('two'), { salt })
    expect(second?.seq).toBe(1)
    const got = await swarm.nodes[30]?.getMutable(signer.publicKey.raw, { salt })
    expect(got?.item?.v).toEqual(text('two'))
    expect(got?.item?.seq).toBe(1)
    // another salt is another item
    expect((await swarm.nodes[30]?.getMutable(signer.publicKey.raw))?.item).toBeUndefined()
    // a stale seq is refused by every holder with 302 (a node that never held the item, which the
    // closest set can come to include as lookups learn nodes, has nothing to compare and stores
    // it), and the item the swarm serves is still the newest
    const stale = await swarm.nodes[11]?.putMutable(signer, text('old'), { salt, seq: 0 })
    expect(stale?.errors.length).toBeGreaterThanOrEqual(4)
    expect(new Set(stale?.errors.map((err) => err.code))).toEqual(new Set([ErrorCode.seqTooLow]))
    const after = await swarm.nodes[30]?.getMutable(signer.publicKey.raw, { salt })
    expect(after?.item?.v).toEqual(text('two'))
    expect(after?.item?.seq).toBe(1)
    // compare-and-swap: a wrong cas is 301, the right one stores
    const wrongCas = await swarm.nodes[11]?.putMutable(signer, text('three'), { salt, seq: 2, cas: 0 })
    // (a node that never held the item has nothing to compare, and stores it)
    expect(wrongCas?.errors.length).toBeGreaterThanOrEqual(4)
    expect(new Set(wrongCas?.errors.map((err) => err.code))).toEqual(new Set([ErrorCode.casMismatch]))
    const rightCas = await swarm.nodes[11]?.putMutable(signer, text('three'), { salt, seq: 2, cas: 1 })
    expect(rightCas?.stored).toBeGreaterThanOrEqual(4)
  })
})

describe('BEP44 bad input gets typed KRPC errors', () => {
  it('refuses oversized values (205), big salts (207), bad signatures (206) and bad tokens (203)', async () => {
    const { client, server } = await pair()
    const to = server.addresses()[0] as never
    const signer = await key(3)
    const big = new Uint8Array(1001)
    expect(
      (
        await rejection(
          client.query(to, 'put', { v: big, token: await token(client, server, immutableTarget(big)) }),
        )
      ).code,
    ).toBe(205)
    const t = await token(client, server, mutableTarget(signer.publicKey.raw))
    const salt = new Uint8Array(65)
    const sig = await signer.sign(signaturePayload(1, 0, salt))
    expect(
      (
        await rejection(
          client.query(to, 'put', { v: 1, k: signer.publicKey.raw, sig, seq: 0, salt, token: t }),
        )
      ).code,
    ).toBe(207)
    const forged = randomBytes(64)
    expect(
      (
        await rejection(
          client.query(to, 'put', { v: 1, k: signer.publicKey.raw, sig: forged, seq: 0, token: t }),
        )
      ).code,
    ).toBe(206)
    expect((await rejection(client.query(to, 'put', { v: 1, token: randomBytes(8) }))).code).toBe(203)
    expect((await rejection(client.query(to, 'put', { v: 1, k: signer.publicKey.raw, token: t }))).code).toBe(
      203,
    )
    expect(server.items.size).toBe(0)
    // an equal seq with another value is 302; the same value renews
    const good = await signer.sign(signaturePayload(1, 5))
    await client.query(to, 'put', { v: 1, k: signer.publicKey.raw, sig: good, seq: 5, token: t })
    await client.query(to, 'put', { v: 1, k: signer.publicKey.raw, sig: good, seq: 5, token: t })
    const other = await signer.sign(signaturePayload(2, 5))
    expect(
      (
        await rejection(
          client.query(to, 'put', { v: 2, k: signer.publicKey.raw, sig: other, seq: 5, token: t }),
        )
      ).code,
    ).toBe(302)
    expect(server.items.size).toBe(1)
  })

  it('a get with a known seq omits v and sig', async () => {
    const { client, server } = await pair()
    const to = server.addresses()[0] as never
    const signer = await key(4)
    const target = mutableTarget(signer.publicKey.raw)
    const sig = await signer.sign(signaturePayload(text('x'), 2))
    await client.query(to, 'put', {
      v: text('x'),
      k: signer.publicKey.raw,
      sig,
      seq: 2,
      token: await token(client, server, target),
    })
    const fresh = await client.query(to, 'get', { target, seq: 1 })
    expect(fresh.values.v).toEqual(text('x'))
    const known = await client.query(to, 'get', { target, seq: 2 })
    expect(known.values.v).toBeUndefined()
    expect(known.values.seq).toBe(2)
  })

  it('a flood of puts stays within the store caps', async () => {
    const network = new MemoryNetwork()
    const server = mainlineDHT({
      socket: network.socket(),
      refreshInterval: 0,
      itemStore: { maxItems: 50 },
      rateLimit: { ratePerSecond: 1e6, burst: 1e6 },
    })
    await server.start()
    const client = mainlineDHT({
      socket: network.socket(),
      refreshInterval: 0,
      bootstrap: server.addresses(),
    })
    await client.start()
    started.push(server, client)
    const to = server.addresses()[0] as never
    const t = await token(client, server, immutableTarget(0))
    for (let index = 0; index < 300; index++) await client.query(to, 'put', { v: encode(index), token: t })
    expect(server.items.size).toBe(50)
  })
})
