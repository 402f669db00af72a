/**
 * One interface over the three Mainline stacks of the mixed-swarm matrix
 * (weft, libtorrent through libtorrent-peer.py, bittorrent-dht), so every
 * cell of "put/announce by A, get/find by B" is the same code.
 */
import type { MainlineDHT } from '@weft/mainline-dht'
import { mutableTarget } from '@weft/mainline-dht'
import type DHT from 'bittorrent-dht'
import type { LibtorrentNode } from './libtorrent.js'
import { type ed25519Signer, type LoopbackAddress, lookupPeers } from './peers.js'

export type Signer = ReturnType<typeof ed25519Signer>

export interface MutableGot {
  value?: string
  seq?: number
}

export interface Stack {
  readonly name: 'weft' | 'libtorrent' | 'bittorrent-dht'
  /** Announces `infohash`; resolves with the port the others should find. */
  announce(infohash: Uint8Array, port: number): Promise<number>
  /** One get_peers lookup; the peers found (with their ports). */
  findPeers(infohash: Uint8Array): Promise<LoopbackAddress[]>
  /** Puts a byte-string immutable item; resolves with its target. */
  putImmutable(value: string): Promise<Uint8Array>
  getImmutable(target: Uint8Array): Promise<string | undefined>
  /** Puts a mutable item with salt; resolves with the seq it was stored under. */
  putMutable(signer: Signer, value: string, salt: string): Promise<number>
  getMutable(publicKey: Uint8Array, salt: string): Promise<MutableGot>
}

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value)
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString()

export function weftStack(node: MainlineDHT): Stack {
  return {
    name: 'weft',
    async announce(infohash, port) {
      const { announced } = await node.announce(infohash, { port })
      if (announced === 0) throw new Error('weft announced to no node')
      return port
    },
    async findPeers(infohash) {
      return (await node.getPeers(infohash)).peers
    },
    async putImmutable(value) {
      const put = await node.putImmutable(bytes(value))
      if (put.stored === 0) throw new Error('weft stored the immutable item on no node')
      return put.target
    },
    async getImmutable(target) {
      const { v } = await node.getImmutable(target)
      return v instanceof Uint8Array ? text(v) : undefined
    },
    async putMutable(signer, value, salt) {
      const put = await node.putMutable(signer, bytes(value), { salt: bytes(salt), seq: 3 })
      if (put.stored === 0) throw new Error('weft stored the mutable item on no node')
      return 3
    },
    async getMutable(publicKey, salt) {
      const { item } = await node.getMutable(publicKey, { salt: bytes(salt) })
      return { value: item?.v instanceof Uint8Array ? text(item.v) : undefined, seq: item?.seq }
    },
  }
}

export function libtorrentStack(node: LibtorrentNode): Stack {
  return {
    name: 'libtorrent',
    async announce(infohash) {
      // libtorrent announces its own listen port (the bindings take no other)
      await node.announce(infohash)
      return node.port
    },
    findPeers: (infohash) => node.getPeers(infohash, 5),
    async putImmutable(value) {
      const put = await node.putImmutable(bytes(value))
      if (put.stored <= 0) throw new Error(`libtorrent stored the immutable item on ${put.stored} nodes`)
      return new Uint8Array(Buffer.from(put.target, 'hex'))
    },
    async getImmutable(target) {
      return text(await node.getImmutable(target, 5))
    },
    async putMutable(signer, value, salt) {
      const put = await node.putMutable(signer.seed, signer.publicKey.raw, bytes(value), bytes(salt))
      if (put.stored <= 0) throw new Error(`libtorrent stored the mutable item on ${put.stored} nodes`)
      return put.seq
    },
    async getMutable(publicKey, salt) {
      const got = await node.getMutable(publicKey, bytes(salt), 5)
      return { value: text(got.value), seq: got.seq }
    },
  }
}

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

export function bittorrentStack(dht: DHT): Stack {
  return {
    name: 'bittorrent-dht',
    async announce(infohash, port) {
      await new Promise<void>((resolve, reject) =>
        dht.announce(infohash, port, (err) => (err ? reject(err) : resolve())),
      )
      return port
    },
    findPeers: (infohash) => lookupPeers(dht, infohash),
    async putImmutable(value) {
      const { hash, n } = await btPut(dht, { v: Buffer.from(value) })
      if (n === 0) throw new Error('bittorrent-dht asked no node to store the immutable item')
      return new Uint8Array(hash)
    },
    async getImmutable(target) {
      const got = await btGet(dht, target)
      return got === null ? undefined : text(got.v)
    },
    async putMutable(signer, value, salt) {
      const { n } = await btPut(dht, {
        v: Buffer.from(value),
        k: Buffer.from(signer.publicKey.raw),
        seq: 5,
        salt: Buffer.from(salt),
        sign: (message) => Buffer.from(signer.sign(message)),
      })
      if (n === 0) throw new Error('bittorrent-dht asked no node to store the mutable item')
      return 5
    },
    async getMutable(publicKey, salt) {
      const got = await btGet(dht, mutableTarget(publicKey, bytes(salt)), bytes(salt))
      return got === null ? {} : { value: text(got.v), seq: got.seq }
    },
  }
}
