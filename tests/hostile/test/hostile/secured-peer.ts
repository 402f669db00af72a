/**
 * A hostile client that first behaves: it opens a raw TCP socket, wraps it in
 * @weft/tcp's `TcpConnection`, selects `/noise` with multistream-select,
 * completes a real Noise handshake with @weft/noise as the dialer, and
 * (optionally) selects a muxer protocol. What it writes afterwards, raw
 * muxer frames or raw bytes under the encryption, is up to the test.
 */
import { connect, type Socket } from 'node:net'
import type { MessageStream, PeerId, PrivateKey, StreamMessageEvent } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { select } from '@weft/multistream'
import { noise } from '@weft/noise'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { TcpConnection } from '@weft/tcp'
import { defaultLogger, deferred } from '@weft/utils'

export interface SecuredPeer {
  socket: Socket
  /** the TCP connection: bytes sent here bypass the encryption */
  raw: TcpConnection
  /** the Noise channel: bytes sent here are encrypted */
  secured: MessageStream
  remotePeer: PeerId
  localPort: number
  /** resolves when the socket has closed */
  closed: Promise<void>
  isClosed(): boolean
  waitClosed(ms: number): Promise<void>
  destroy(): void
}

let identity: Promise<PrivateKey> | undefined

export interface SecuredPeerOptions {
  /** the source address to bind (any of 127.0.0.0/8 on Linux); default the system's choice */
  localAddress?: string
  /** the identity to handshake with; default one key shared by every secured peer */
  privateKey?: PrivateKey
}

async function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}

export async function securedPeer(
  port: number,
  muxer?: string,
  options: SecuredPeerOptions = {},
): Promise<SecuredPeer> {
  identity ??= generateKeyPair('Ed25519')
  const privateKey = options.privateKey ?? (await identity)
  const logger = defaultLogger()
  const socket = await openSocket(port, options.localAddress)
  const closed = deferred<void>()
  let isClosed = false
  socket.on('close', () => {
    isClosed = true
    closed.resolve()
  })
  const raw = new TcpConnection({
    socket,
    remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/${port}`),
    direction: 'outbound',
    log: logger.forComponent('weft:hostile-peer'),
    inactivityTimeout: 0,
    closeTimeout: 500,
    allowHalfOpen: false,
  })
  const signal = AbortSignal.timeout(10_000)
  const handshake = async () => {
    await select(raw, '/noise', { signal })
    const encrypter = noise()({ privateKey, peerId: peerIdFromPrivateKey(privateKey), logger })
    const secured = await encrypter.secureOutbound(raw, { signal, skipStreamMuxerNegotiation: true })
    if (muxer != null) await select(secured.connection, muxer, { signal })
    return secured
  }
  const result = await handshake().catch((err: unknown) => {
    // a host that refused the connection: leave no socket behind
    socket.destroy()
    throw err
  })
  return {
    socket,
    raw,
    secured: result.connection,
    remotePeer: result.remotePeer,
    localPort: socket.localPort ?? 0,
    closed: closed.promise,
    isClosed: () => isClosed,
    async waitClosed(ms: number): Promise<void> {
      let timer: ReturnType<typeof setTimeout> | undefined
      try {
        await Promise.race([
          closed.promise,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the host kept the socket open for ${ms} ms`)), ms)
          }),
        ])
      } finally {
        clearTimeout(timer)
      }
    },
    destroy: () => {
      raw.abort(new Error('test over'))
      socket.destroy()
    },
  }
}

/** Calls `onData` with every decrypted chunk the host sends. */
export function onPlaintext(peer: SecuredPeer, onData: (chunk: Uint8Array) => void): void {
  peer.secured.addEventListener('message', (evt: StreamMessageEvent) => {
    const data = evt.data
    if (data instanceof Uint8Array) onData(data)
    else for (const chunk of data) onData(chunk)
  })
}
