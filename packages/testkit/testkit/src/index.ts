/**
 * @weft/testkit: helpers for weft's own tests, and for anyone testing code
 * that plugs into weft or js-libp2p.
 *
 * - Transports: `FakeUpgrader` (no encryption, no muxing; inbound connections
 *   queue for `nextInbound()`), `fakeConnection(maConn)`, and
 *   `TransportHarness`, which listens, connects, hands back both raw ends and
 *   cleans up. Transport packages subclass the harness with their own
 *   factory (testkit depends on no transport, so they can depend on it).
 * - Connections and streams: `waitFor`, `bytes`, `readExact`, `closeEvent`,
 *   `eventOnce`, `tcpHandles` (live TCP handles, to check close leaks none).
 * - Network namespaces (Linux, root): `createVethNetwork()`, `bundleScript()`,
 *   `spawnInNamespace()` for tests that cross a real network.
 * - Protocols: `FakeRegistrar` and `fakePeerConnection(remote)`, whose
 *   `newStream` runs the remote registrar's handler over a `streamPair()`.
 * - Pubsub: `TestNetwork`, pubsub services (floodsub, gossipsub, any
 *   `PubSubBase` router) in one process; `connect(a, b)` tells both sides'
 *   topologies, as a host's registrar does after identify.
 *
 * @example
 * ```ts
 * import { FakeRegistrar, fakePeerConnection, readExact } from '@weft/testkit'
 * const remote = new FakeRegistrar()
 * await remote.handle('/echo/1.0.0', (stream) => {
 *   stream.addEventListener('message', (evt) => stream.send(evt.data))
 * })
 * const stream = await fakePeerConnection(remote).newStream('/echo/1.0.0')
 * stream.send(Uint8Array.of(1, 2, 3))
 * console.log((await readExact(stream, 3)).subarray()) // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 *
 * Everything here is for tests: nothing is bounded for hostile input.
 */
export * from './connection-helpers.js'
export * from './fake-peer.js'
export * from './fake-upgrader.js'
export * from './netns.js'
export * from './pubsub-network.js'
export * from './system-tools.js'
export * from './transport-harness.js'
