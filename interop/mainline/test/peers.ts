/**
 * Local Mainline swarms on loopback: weft nodes and bittorrent-dht nodes.
 * Nothing here may reach the public DHT: every node gets its bootstrap list
 * explicitly, and bittorrent-dht's socket refuses any destination but
 * 127.0.0.1 (it would otherwise fall back to the public routers).
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { type MainlineDHT, mainlineDHT } from '@weft/mainline-dht'
import DHT from 'bittorrent-dht'

export const LOOPBACK = '127.0.0.1'

export interface LoopbackAddress {
  host: string
  port: number
}

/**
 * A weft node on loopback. Every node shares 127.0.0.1, so the per-IP rules
 * made for the Internet (one table entry, 20 queries/s per IP) are relaxed.
 */
export async function weftNode(bootstrap: LoopbackAddress[]): Promise<MainlineDHT> {
  const dht = mainlineDHT({
    host: LOOPBACK,
    bootstrap,
    nodesPerIp: 64,
    rateLimit: { ratePerSecond: 10_000, burst: 10_000 },
    refreshInterval: 0,
    timeout: 500,
  })
  await dht.start()
  return dht
}

/** Ed25519 verification for bittorrent-dht's BEP44 (it ships none), on node:crypto. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    })
    return verify(null, message, key, signature)
  } catch {
    return false
  }
}

/** An Ed25519 key on node:crypto, shaped as BEP44 signers are (weft's `ItemSigner`, bittorrent-dht's `k` and `sign`). */
export function ed25519Signer(seed: Uint8Array = randomBytes(32)): {
  seed: Uint8Array
  publicKey: { raw: Uint8Array }
  sign(data: Uint8Array): Uint8Array
} {
  // PKCS#8 for a raw Ed25519 seed (RFC 8410)
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey(privateKey)
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'))
  return { seed, publicKey: { raw }, sign: (data) => new Uint8Array(sign(null, data, privateKey)) }
}

/** A node:dgram socket whose sends to anything but loopback throw. */
function loopbackOnlySocket(): ReturnType<typeof createSocket> {
  const socket = createSocket('udp4')
  const send = socket.send.bind(socket) as (...args: unknown[]) => void
  ;(socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
    // send(msg, [offset, length,] port, address, [callback])
    const address = args.find((arg, index) => index > 0 && typeof arg === 'string')
    if (address !== LOOPBACK)
      throw new Error(`bittorrent-dht tried to send to ${String(address)}: only loopback is allowed`)
    send(...args)
  }
  return socket
}

/** A bittorrent-dht node on loopback, bootstrapped from `bootstrap` (none: `false`, never the public default). */
export async function bittorrentNode(bootstrap: LoopbackAddress[]): Promise<DHT> {
  const dht = new DHT({
    bootstrap: bootstrap.length === 0 ? false : bootstrap.map((node) => `${node.host}:${node.port}`),
    socket: loopbackOnlySocket(),
    verify: verifyEd25519,
  })
  await new Promise<void>((resolve) => dht.listen(0, LOOPBACK, resolve))
  if (bootstrap.length > 0) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bittorrent-dht did not bootstrap in 10 s')), 10_000)
      dht.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  return dht
}

export function addressOf(dht: DHT): LoopbackAddress {
  return { host: LOOPBACK, port: dht.address().port }
}

export async function destroy(dht: DHT): Promise<void> {
  await new Promise<void>((resolve) => dht.destroy(() => resolve()))
}

/** Resolves with the first peer bittorrent-dht's lookup reports for `infohash`, or rejects after `ms`. */
export async function lookupPeers(dht: DHT, infohash: Uint8Array, ms = 10_000): Promise<LoopbackAddress[]> {
  const found: LoopbackAddress[] = []
  const hex = Buffer.from(infohash).toString('hex')
  const onPeer = (peer: LoopbackAddress, hash: Uint8Array): void => {
    if (Buffer.from(hash).toString('hex') === hex) found.push({ host: peer.host, port: peer.port })
  }
  dht.on('peer', onPeer)
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bittorrent-dht found no peer in ${ms} ms`)), ms)
      dht.lookup(infohash, (err) => {
        clearTimeout(timer)
        if (err) reject(err)
        else resolve()
      })
    })
  } finally {
    dht.off('peer', onPeer)
  }
  return found
}
