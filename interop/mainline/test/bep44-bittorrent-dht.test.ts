/**
 * Issue 19, acceptance 1 (BEP44, bittorrent-dht): in a loopback swarm of weft
 * and bittorrent-dht nodes, immutable and mutable items put by weft are got
 * by bittorrent-dht, and the reverse.
 */
import { immutableTarget, type MainlineDHT, mutableTarget } from '@weft/mainline-dht'
import type DHT from 'bittorrent-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressOf, bittorrentNode, destroy, ed25519Signer, weftNode } from './peers.js'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)

function btGet(dht: DHT, key: Uint8Array, salt?: Uint8Array) {
  return new Promise<{ v: Uint8Array; seq?: number } | null>((resolve, reject) =>
    dht.get(Buffer.from(key), { salt: salt && Buffer.from(salt), cache: false }, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  )
}

function btPut(dht: DHT, options: Parameters<DHT['put']>[0]) {
  return new Promise<{ hash: Uint8Array; n: number }>((resolve, reject) =>
    dht.put(options, (err, hash, n) => (err ? reject(err) : resolve({ hash, n }))),
  )
}

describe('BEP44 between weft and bittorrent-dht on loopback', () => {
  const weft: MainlineDHT[] = []
  const others: DHT[] = []

  beforeAll(async () => {
    weft.push(await weftNode([]))
    const seed = weft[0]?.addresses() ?? []
    for (let index = 0; index < 4; index++) {
      others.push(await bittorrentNode([...seed, ...others.map(addressOf)]))
      weft.push(await weftNode([...seed, ...others.map(addressOf)]))
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(weft.map((node) => node.stop()))
    await Promise.all(others.map(destroy))
  })

  it('weft puts an immutable item; bittorrent-dht gets it', async () => {
    const value = text('immutable from weft')
    const put = await (weft[2] as MainlineDHT).putImmutable(value)
    expect(put.stored).toBeGreaterThan(0)
    const got = await btGet(others[3] as DHT, put.target)
    expect(Buffer.from(got?.v ?? []).toString()).toBe('immutable from weft')
  })

  it('bittorrent-dht puts an immutable item; weft gets it', async () => {
    const value = Buffer.from('immutable from bittorrent-dht')
    const { hash } = await btPut(others[1] as DHT, { v: value })
    expect(Buffer.from(hash)).toEqual(Buffer.from(immutableTarget(new Uint8Array(value))))
    const { v } = await (weft[4] as MainlineDHT).getImmutable(hash)
    expect(Buffer.from(v as Uint8Array).toString()).toBe('immutable from bittorrent-dht')
  })

  it('weft puts a mutable item with salt; bittorrent-dht gets it', async () => {
    const signer = ed25519Signer()
    const salt = text('libp2p')
    const put = await (weft[1] as MainlineDHT).putMutable(signer, text('mutable from weft'), { salt, seq: 7 })
    expect(put.stored).toBeGreaterThan(0)
    const got = await btGet(others[2] as DHT, mutableTarget(signer.publicKey.raw, salt), salt)
    expect(Buffer.from(got?.v ?? []).toString()).toBe('mutable from weft')
    expect(got?.seq).toBe(7)
  })

  it('bittorrent-dht puts mutable items; weft gets the newest', async () => {
    const signer = ed25519Signer()
    const salt = text('topic')
    const k = Buffer.from(signer.publicKey.raw)
    const sign = (message: Uint8Array) => Buffer.from(signer.sign(message))
    await btPut(others[0] as DHT, { v: Buffer.from('first'), k, seq: 1, salt: Buffer.from(salt), sign })
    await btPut(others[0] as DHT, { v: Buffer.from('second'), k, seq: 2, salt: Buffer.from(salt), sign })
    const { item } = await (weft[3] as MainlineDHT).getMutable(signer.publicKey.raw, { salt })
    expect(Buffer.from(item?.v as Uint8Array).toString()).toBe('second')
    expect(item?.seq).toBe(2)
  })
})
