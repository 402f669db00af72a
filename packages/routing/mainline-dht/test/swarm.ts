/** Builds a swarm of DHT nodes on one memory network, each bootstrapped from a few earlier ones. */
import { type MainlineDHT, type MainlineDHTInit, MemoryNetwork, mainlineDHT } from '../src/index.js'

export interface Swarm {
  readonly network: MemoryNetwork
  readonly nodes: MainlineDHT[]
  stop(): Promise<void>
}

export async function createSwarm(
  size: number,
  init: MainlineDHTInit = {},
  network = new MemoryNetwork(),
): Promise<Swarm> {
  const nodes: MainlineDHT[] = []
  for (let index = 0; index < size; index++) {
    const socket = network.socket()
    const host = socket.addresses()[0]?.host
    const bootstrap = nodes.slice(Math.max(0, index - 3)).flatMap((node) => node.addresses())
    const node = mainlineDHT({ socket, externalAddress: host, refreshInterval: 0, ...init, bootstrap })
    await node.start()
    nodes.push(node)
  }
  return {
    network,
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()))
    },
  }
}

export function infohash(seed: number): Uint8Array {
  const bytes = new Uint8Array(20)
  new DataView(bytes.buffer).setUint32(0, seed)
  bytes[19] = 0x5a
  return bytes
}
