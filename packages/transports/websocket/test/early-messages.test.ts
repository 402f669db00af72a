/**
 * A listener may speak first: py-libp2p sends its multistream-select header
 * as soon as the WebSocket is up. When those bytes come in the same TCP read
 * as the HTTP 101 response, ws delivers them before the dialer has attached
 * to the socket; they must not be lost (found by the interop matrix: weft
 * dialing py-libp2p over /ws failed with "expected the /multistream/1.0.0
 * header, got /noise").
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import type { FakeConnection } from '@weft/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness, readExact } from './fixtures/helpers.js'

/** RFC 6455 §1.3 */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** An unmasked binary frame (server to client), RFC 6455 §5.2; payloads under 126 bytes. */
function binaryFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x82, payload.byteLength]), payload])
}

/**
 * An HTTP server that completes the WebSocket handshake by hand and writes
 * the 101 response and `frames` in one write, so they arrive together.
 */
async function speakFirstServer(
  frames: Uint8Array[],
): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const server = createServer((_req, res) => res.writeHead(426).end())
  server.on('upgrade', (req, socket: Socket) => {
    sockets.push(socket)
    const key = req.headers['sec-websocket-key']
    const accept = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64')
    const response = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      '',
      '',
    ].join('\r\n')
    socket.write(Buffer.concat([Buffer.from(response), ...frames.map(binaryFrame)]))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no port')
  return { server, port: address.port, sockets }
}

describe('messages that come with the handshake response', () => {
  let harness: Harness
  let server: Server | undefined
  let sockets: Socket[] = []

  afterEach(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => (server == null ? resolve() : server.close(() => resolve())))
    await harness.cleanup()
  })

  it('reach the dialer, in order', async () => {
    harness = new Harness()
    const header = new TextEncoder().encode('\x13/multistream/1.0.0\n')
    const proposal = new TextEncoder().encode('\x07/noise\n')
    const made = await speakFirstServer([header, proposal])
    server = made.server
    sockets = made.sockets
    const connection = (await harness.transport.dial(multiaddr(`/ip4/127.0.0.1/tcp/${made.port}/ws`), {
      upgrader: harness.upgrader,
      signal: AbortSignal.timeout(5_000),
    })) as FakeConnection
    const received = await readExact(connection.maConn, header.byteLength + proposal.byteLength)
    expect(Buffer.from(received.subarray())).toEqual(Buffer.concat([header, proposal]))
    connection.maConn.abort(new Error('done'))
  })
})
