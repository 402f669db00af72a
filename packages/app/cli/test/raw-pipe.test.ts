/**
 * The control protocol's raw pipe between a client socket and a libp2p
 * stream: a client that keeps writing after the stream's writable end went
 * (the remote reset it) loses its socket, and nothing throws out of the
 * socket's event handlers, which would end the daemon.
 */
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { pipeSocketToStream } from '../src/control/raw-pipe.js'

function closedStream(): Stream & { sent: number } {
  const stream = {
    sent: 0,
    writeStatus: 'closed',
    send: () => {
      throw new Error('cannot write to a stream whose writable end is closed')
    },
    close: async () => {},
    abort: () => {},
    onDrain: async () => {},
    async *[Symbol.asyncIterator]() {},
  }
  return stream as unknown as Stream & { sent: number }
}

describe('pipeSocketToStream', () => {
  it('closes the client socket when the stream can no longer be written, without throwing', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address() as { port: number }
    const accepted = once(server, 'connection') as Promise<[Socket]>
    const client = connect(address.port, '127.0.0.1')
    const [socket] = await accepted
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => {
      uncaught.push(err)
    }
    process.on('uncaughtException', onUncaught)
    try {
      const piping = pipeSocketToStream(socket, closedStream(), () => {})
      client.on('error', () => {})
      client.write(Buffer.alloc(64 * 1024))
      await once(client, 'close')
      await piping
      expect(socket.destroyed).toBe(true)
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      server.close()
    }
  })
})
