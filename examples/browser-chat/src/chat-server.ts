/**
 * The Node side of the example: a weft host listening on WebSocket that
 * answers every chat message from a page with a message of its own, sent
 * back over the connection the page opened.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'
import { CHAT_PROTOCOL, readMessage, sendMessage } from './chat.js'

export interface ChatServerInit {
  /** where to listen (default `/ip4/127.0.0.1/tcp/0/ws`) */
  listen?: string
  /** called with every message a page sends */
  onMessage?: (text: string, from: PeerId) => void
}

export interface ChatServer {
  host: Host
  /** the address a page dials, with `/p2p/<peer id>` */
  address: Multiaddr
  stop(): Promise<void>
}

/** The answer the server sends to `text`. */
export function replyTo(text: string): string {
  return `server got: ${text}`
}

export async function startChatServer(init: ChatServerInit = {}): Promise<ChatServer> {
  const host = await createHost({
    addresses: { listen: [init.listen ?? '/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
  await host.handle(CHAT_PROTOCOL, async (stream, connection) => {
    try {
      const text = await readMessage(stream)
      init.onMessage?.(text, connection.remotePeer)
      await sendMessage(host, connection.remotePeer, replyTo(text), { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      console.error(`chat with ${connection.remotePeer} failed: ${(err as Error).message}`)
    }
  })
  const address = host.getMultiaddrs()[0]
  if (address == null) throw new Error('the chat server has no listening address')
  return { host, address, stop: async () => host.stop() }
}
