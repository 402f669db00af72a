/** Shared setup for the tests: identities, encrypters, muxer maps. */
import type { PrivateKey, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'
import { Tls, type TlsInit } from '../src/index.js'

export interface Peer {
  privateKey: PrivateKey
  tls: Tls
}

export async function createPeer(init: TlsInit = {}, muxers?: string[]): Promise<Peer> {
  const privateKey = await generateKeyPair('Ed25519')
  const upgrader = muxers == null ? undefined : { getStreamMuxers: () => muxerMap(muxers) }
  const tls = new Tls(
    { privateKey, peerId: peerIdFromPrivateKey(privateKey), logger: defaultLogger(), upgrader },
    init,
  )
  return { privateKey, tls }
}

/** Fake muxer factories: only their identity matters to these tests. */
export function muxerMap(protocols: string[]): Map<string, StreamMuxerFactory> {
  return new Map(
    protocols.map((protocol) => [
      protocol,
      {
        protocol,
        createStreamMuxer: (): StreamMuxer => {
          throw new Error('not used')
        },
      },
    ]),
  )
}
