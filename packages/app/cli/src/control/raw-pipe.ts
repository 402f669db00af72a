/**
 * Bytes both ways between a socket and a libp2p stream, with back-pressure
 * each way; either side's end half-closes the other, and an error on one
 * aborts the other.
 */
import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'

export function pipeSocketToStream(
  socket: Socket,
  stream: Stream,
  count: (direction: 'in' | 'out', bytes: number) => void,
): Promise<void> {
  const outbound = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      count('out', chunk.byteLength)
      // the stream's writable end may have gone (reset or closed by the
      // remote): the client's bytes have nowhere to go, so its socket closes
      // (a throw here would be uncaught and end the daemon)
      if (stream.writeStatus !== 'writable') {
        socket.destroy()
        return
      }
      if (!stream.send(chunk)) {
        socket.pause()
        stream.onDrain().then(
          () => socket.resume(),
          () => socket.destroy(),
        )
      }
    })
    socket.on('end', () => {
      void stream.close().catch(() => {})
      resolve()
    })
    socket.on('error', () => {
      stream.abort(new Error('client socket failed'))
      resolve()
    })
    socket.on('close', () => resolve())
  })
  const inbound = (async () => {
    try {
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        count('in', bytes.byteLength)
        if (!socket.write(bytes)) await Promise.race([once(socket, 'drain'), once(socket, 'close')])
        if (socket.destroyed) break
      }
      if (!socket.destroyed) socket.end()
    } catch {
      socket.destroy()
    }
  })()
  return Promise.all([outbound, inbound]).then(() => {})
}
