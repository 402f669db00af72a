/**
 * @weft/playground: peer-to-peer for beginners. A chat in five lines, an app
 * where peers `join`, `send` and `on`, a replicated `state`, and verified
 * multi-source file sharing, on a weft host with sensible defaults.
 *
 * ```ts
 * import { playground } from '@weft/playground'
 *
 * const app = await playground('my-app')       // TCP + WebSocket, Noise, yamux, gossipsub, mDNS, relay, AutoNAT, DCUtR
 * app.on('hello', (payload, from) => console.log(from, payload))
 * await app.join('192.0.2.7:4001')              // or a multiaddr, or a peer id
 * await app.send('hello', { text: 'hi all' })   // to every peer of the app
 * await app.send('hello', 'hi you', { to: app.peers[0] })
 * await app.state.set('score', 3)               // last writer wins, everywhere
 * const id = await app.shareFile('./movie.mkv')  // another peer: await app.getFile(id, './movie.mkv')
 * await app.stop()
 * ```
 *
 * ```ts
 * import { quickChat } from '@weft/playground'
 * await (await quickChat('lobby', { join: process.argv.slice(2) })).run()
 * ```
 *
 * Options (`PlaygroundOptions`): `listen` (every interface, TCP and `/ws`),
 * `mdns` (true), `dht` (false), `openPort` (throws
 * `PortMappingUnavailableError`: port mapping is not wired in yet),
 * `privateKey`, `maxPayloadBytes` (64 KiB, at most 512 KiB), `rateLimit`
 * (`{ perSecond: 50, burst: 100, maxPeers: 1024 }` per sending peer),
 * `joinTimeout` (10 s), `state: { store, maxEntries: 10 000, maxValueBytes:
 * 64 KiB, syncInterval: 30 s }`, `mainline` (off; `{ bootstrap: ['host:port'],
 * port: 0, host: '0.0.0.0', nodesPerIp: 1, lookupInterval: 1 s,
 * maxLookupInterval: 5 min, maxDialsPerRound: 8 }`: the app name is a topic
 * on the Mainline DHT, announced and looked up, and the peers found are
 * dialled). Logging: `DEBUG=weft:playground`.
 */
export { type ParsedAddress, parseAddress } from './address.js'
export { assertJson, type Json } from './codec.js'
export * from './errors.js'
export type { FileProgress, GetFileOptions } from './file-fetch.js'
export { hashFile } from './file-share.js'
export { DEFAULT_CHUNK_SIZE, decodeFileId, encodeFileId, type FileId } from './file-tree.js'
export { compareStamps, HybridClock, type Stamp } from './hlc.js'
export { type Change, type Digest, LwwMap, type LwwMapInit, type WireEntry } from './lww-map.js'
export type { MainlineOptions } from './options.js'
export {
  type MessageHandler,
  type NatStatus,
  Playground,
  type PlaygroundOptions,
  playground,
  type SendOptions,
} from './playground.js'
export { printable, type QuickChat, type QuickChatOptions, quickChat } from './quick-chat.js'
export { PeerRateLimiter, type RateLimitInit } from './rate-limit.js'
export { type ChangeHandler, SharedState, type StateStore } from './shared-state.js'
export { fileStateStore } from './state-store.js'
