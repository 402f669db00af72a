/**
 * P2PD's /tunnel/<name>: the request head is sent on a plain TCP connection
 * to the API and, with no response, that connection becomes a raw pipe to
 * the named connection's other end. `exchange` writes and reads at once and
 * hashes both directions so the two ends can be compared byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

export const MiB = 1024 * 1024

export function openTunnel(api: string, token: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(api)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.off('error', reject)
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      )
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

export interface Exchanged {
  sentHash: string
  receivedHash: string
  received: number
}

/**
 * Writes `total` bytes (whole MiB blocks, each stamped with `seed` and its
 * number so no two are alike) while reading `total` bytes from the other end.
 */
export async function exchange(socket: Socket, total: number, seed: number): Promise<Exchanged> {
  const block = randomBytes(MiB)
  block[0] = seed
  const sent = createHash('sha256')
  const received = createHash('sha256')
  let count = 0
  const reading = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received.update(chunk)
      count += chunk.byteLength
      if (count >= total) resolve()
    })
    socket.once('error', reject)
    socket.once('close', () =>
      count >= total ? resolve() : reject(new Error(`tunnel closed after ${count} of ${total} bytes`)),
    )
  })
  const writing = (async () => {
    for (let i = 0; i < total / MiB; i++) {
      block.writeUInt32BE(i, 1)
      sent.update(block)
      if (!socket.write(Buffer.from(block))) await waitForDrain(socket)
    }
  })()
  // awaited together: a reset while writing fails the exchange instead of going unhandled
  await Promise.all([reading, writing])
  return { sentHash: sent.digest('hex'), receivedHash: received.digest('hex'), received: count }
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off('drain', done)
      socket.off('close', closed)
      if (err == null) resolve()
      else reject(err)
    }
    const closed = (): void => done(new Error('tunnel closed while writing'))
    socket.once('drain', done)
    socket.once('close', closed)
  })
}
