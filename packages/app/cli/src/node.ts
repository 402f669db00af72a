/**
 * The host every command runs: TCP and WebSocket, Noise, yamux, identify and
 * ping, with the identity from the key file.
 */
import type { PrivateKey } from '@libp2p/interface'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'

export interface NodeOptions {
  privateKey?: PrivateKey
  /** multiaddrs to listen on ([] for a dial-only host) */
  listen: string[]
  /** minConnections for auto-dial (0: never dial on its own) */
  maxConnections?: number
}

export type WeftNode = Host<{
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
}>

export const USER_AGENT = 'weft-cli/0.1.0'

export async function createNode(options: NodeOptions): Promise<WeftNode> {
  return createHost({
    ...(options.privateKey != null ? { privateKey: options.privateKey } : {}),
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { minConnections: 0, maxConnections: options.maxConnections ?? 300 },
    nodeInfo: { name: 'weft-cli', version: '0.1.0', userAgent: USER_AGENT },
    services: { identify: identify(), ping: ping() },
  }) as Promise<WeftNode>
}
