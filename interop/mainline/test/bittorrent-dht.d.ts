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
    toJSON(): { nodes: Array<{ host: string; port: number }> }
    destroy(callback?: () => void): void
  }
}
