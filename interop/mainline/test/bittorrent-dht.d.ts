/** The part of bittorrent-dht 11's API the interop tests use (the package ships no types). */
declare module 'bittorrent-dht' {
  import type { EventEmitter } from 'node:events'

  interface Peer {
    host: string
    port: number
  }

  interface DHTOptions {
    /** Nodes to bootstrap from ('host:port' or { host, port }); false: none. Undefined means the public routers. */
    bootstrap: false | Array<string | Peer>
    nodeId?: Uint8Array
    /** A bound or unbound node:dgram socket handed to k-rpc-socket. */
    socket?: unknown
    timeBucketOutdated?: number
    /** BEP44 mutable items are refused unless given: verify(signature, message, publicKey). */
    verify?: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean
  }

  interface PutOptions {
    v: Uint8Array
    k?: Uint8Array
    seq?: number
    salt?: Uint8Array
    cas?: number
    sign?: (message: Uint8Array) => Uint8Array
  }

  interface GetResult {
    v: Uint8Array
    k?: Uint8Array
    sig?: Uint8Array
    seq?: number
  }

  export default class DHT extends EventEmitter {
    constructor(options: DHTOptions)
    readonly nodeId: Uint8Array
    listen(port: number, host: string, onListening?: () => void): void
    address(): { address: string; port: number }
    addNode(node: { host: string; port: number; id?: Uint8Array }): void
    announce(infoHash: Uint8Array | string, port: number, callback: (err: Error | null) => void): void
    lookup(
      infoHash: Uint8Array | string,
      callback: (err: Error | null, nodesFound: number) => void,
    ): () => void
    /** BEP44 put: a get lookup for tokens, then put to the closest nodes; `n` is how many nodes were asked. */
    put(options: PutOptions, callback: (err: Error | null, hash: Uint8Array, n: number) => void): Uint8Array
    get(
      key: Uint8Array,
      options: { salt?: Uint8Array; cache?: boolean },
      callback: (err: Error | null, result: GetResult | null) => void,
    ): void
    toJSON(): { nodes: Array<{ host: string; port: number }> }
    destroy(callback?: () => void): void
  }
}
