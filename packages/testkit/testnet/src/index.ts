/**
 * @weft/testnet: many weft hosts in one process on the memory transport,
 * for simulations and scale tests (the DHT benchmark starts 2,000).
 *
 * ```ts
 * import { createNetwork } from '@weft/testnet'
 * import { kadDHT } from '@weft/kad-dht'
 *
 * const net = await createNetwork({ size: 100, services: () => ({ dht: kadDHT({ clientMode: false }) }) })
 * const [a, b] = net.hosts
 * await a.services.dht.findPeer(b.peerId)
 * await net.churn(0.2) // stop 20% at random and start as many new hosts
 * await net.stop()
 * ```
 *
 * Options (`TestnetInit`): `size` (1..10 000), `services(index)` (identify
 * is always added), `encryption` ('noise' | 'plaintext'; plaintext is a
 * simulation-only encrypter with no secrecy, much cheaper at thousands of
 * hosts), `latency` (one-way ms, 0), `connectTo` (random peers each host
 * dials once all are up, 3), `concurrency` (hosts started at once, 50),
 * `maxConnections` (per host, 100), `host` (more `createHost` options),
 * `random` (seeded randomness), `signal`.
 *
 * Hosts are cheap: no auto-dial, yamux without keep-alive and with
 * stream windows that never grow past 256 KiB, each testnet in its own `MemoryRegistry`.
 */
export { SIMULATION_PLAINTEXT, simulationPlaintext } from './plaintext.js'
export {
  type ChurnResult,
  createNetwork,
  Testnet,
  type TestnetInit,
  type TestnetServices,
} from './testnet.js'
