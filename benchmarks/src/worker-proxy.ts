/**
 * A TCP proxy on loopback that delays every chunk by `delayMs` in each
 * direction, in order (Node runs timers of equal duration first in, first
 * out). The TCP handshake itself is not delayed: the kernel completes it.
 * → `ready { port }`; ← `stop`.
 */
import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'
import { nextMessage, reply, runWorker, type WorkerArgs, workerArgs } from './worker-runtime.js'

interface ProxyArgs extends WorkerArgs {
  targetPort: number
  delayMs: number
}

/** bytes queued towards one side before the other side is paused */
const HIGH_WATER = 4 * 1024 * 1024

runWorker(async () => {
  const args = workerArgs<ProxyArgs>()
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({
      port: args.targetPort,
      host: '127.0.0.1',
      noDelay: true,
      allowHalfOpen: true,
    })
    client.setNoDelay(true)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    delayed(client, upstream, args.delayMs)
    delayed(upstream, client, args.delayMs)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no TCP address')
  await reply({ type: 'ready', port: address.port })
  await nextMessage('stop')
  for (const socket of sockets) socket.destroy()
  server.close()
})

function delayed(from: Socket, to: Socket, delayMs: number): void {
  let queued = 0
  from.on('data', (chunk: Buffer) => {
    queued += chunk.byteLength
    if (queued > HIGH_WATER) from.pause()
    setTimeout(() => {
      queued -= chunk.byteLength
      if (!to.destroyed) to.write(chunk)
      if (queued <= HIGH_WATER && from.isPaused()) from.resume()
    }, delayMs)
  })
  from.on('end', () => setTimeout(() => to.end(), delayMs))
  from.on('close', (hadError) => {
    if (hadError) setTimeout(() => to.destroy(), delayMs)
  })
}
