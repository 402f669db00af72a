/**
 * `/tunnel/<name>` (P2PD's `/p2p/pipe/<name>`): after the request head the
 * HTTP connection is a raw pipe to the named connection, with no HTTP
 * response, as in P2PD. Socket reads become frames; received frames are
 * written out raw. Back-pressure both ways: the socket is paused while the
 * stream waits for a drain, and the stream is not read while the socket's
 * buffer is full. The client's FIN half-closes the stream, and the stream's
 * end ends the socket.
 */

import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { NamedConnection } from './named-connection.js'

export function startTunnel(socket: Socket, named: NamedConnection, firstBytes: Uint8Array): boolean {
  const attached = named.attach({
    write: (bytes) => socket.write(bytes),
    drained: async () => {
      if (socket.destroyed) return
      await Promise.race([once(socket, 'drain'), once(socket, 'close')])
    },
    end: () => {
      if (!socket.destroyed) socket.end()
    },
  })
  if (!attached) return false
  socket.setNoDelay(true)
  let sending: Promise<void> = Promise.resolve()
  const forward = (chunk: Uint8Array): void => {
    socket.pause()
    sending = sending
      .then(() => named.send(chunk))
      .then(
        () => {
          socket.resume()
        },
        () => {
          socket.destroy()
        },
      )
  }
  if (firstBytes.byteLength > 0) forward(firstBytes)
  socket.on('data', forward)
  socket.on('end', () => {
    void sending.then(() => named.stream.close()).catch(() => {})
  })
  socket.on('error', () => {})
  socket.on('close', () => {
    if (!named.closed) void named.close()
  })
  return true
}
