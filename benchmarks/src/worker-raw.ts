/**
 * The reference limit's two processes: `server` opens the sealed frames it
 * receives, `client` seals and uploads `bytes` and reports MB/s.
 */
import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'
import { FrameOpener, FrameSealer, RAW_FRAME_SIZE } from './raw-frames.js'
import { nextMessage, reply, runWorker, type WorkerArgs, workerArgs } from './worker-runtime.js'

interface RawArgs extends WorkerArgs {
  role: 'server' | 'client'
  port?: number
  bytes?: number
}

runWorker(async () => {
  const args = workerArgs<RawArgs>()
  if (args.role === 'server') await serve()
  else await upload(args.port!, args.bytes!)
})

async function serve(): Promise<void> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const opener = new FrameOpener()
    socket.on('data', (chunk: Buffer) => {
      try {
        if (opener.push(chunk)) socket.end(Uint8Array.of(1))
      } catch (err) {
        socket.destroy(err as Error)
      }
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no TCP address')
  await reply({ type: 'ready', port: address.port })
  await nextMessage('stop')
  for (const socket of sockets) socket.destroy()
  server.close()
}

async function upload(port: number, bytes: number): Promise<void> {
  const socket = createConnection({ port, host: '127.0.0.1', noDelay: true })
  await once(socket, 'connect')
  const sealer = new FrameSealer()
  const block = new Uint8Array(RAW_FRAME_SIZE)
  const acked = once(socket, 'data')
  const start = performance.now()
  for (let sent = 0; sent < bytes; sent += RAW_FRAME_SIZE) {
    const size = Math.min(RAW_FRAME_SIZE, bytes - sent)
    let writable = true
    for (const part of sealer.seal(size === RAW_FRAME_SIZE ? block : block.subarray(0, size))) {
      writable = socket.write(part)
    }
    if (!writable) await once(socket, 'drain')
  }
  socket.write(sealer.end())
  await acked
  const seconds = (performance.now() - start) / 1000
  socket.destroy()
  await reply({ type: 'result', seconds })
}
