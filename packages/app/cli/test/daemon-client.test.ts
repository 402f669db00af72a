/**
 * Acceptance 2: @libp2p/daemon-client, unchanged, drives weft's daemon over
 * the libp2p daemon protocol on a unix socket: it identifies, registers a
 * stream handler on one daemon, connects the other daemon to it, lists
 * peers, opens a stream and gets its bytes echoed, then disconnects.
 */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeLengthPrefixed, LengthPrefixedDecoder } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { Request, Response } from '../src/control/daemon.pb.js'
import { useDaemonPair } from './helpers.js'

// js-libp2p 3.x (inside the client) calls Promise.withResolvers, which Node 20 lacks
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value<T>() {
      let resolve!: (value: T) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}
const { createClient } = await import('@libp2p/daemon-client')

const ECHO = '/weft-test/echo/1.0.0'

describe('@libp2p/daemon-client against weft daemon', () => {
  const daemons = useDaemonPair('control', (dir) => ({
    alice: ['--sock', join(dir, 'alice.sock')],
    bob: ['--listen-unix', join(dir, 'bob.sock')],
  }))

  it('identifies, connects, opens a stream and echoes', async () => {
    const { alice, bob, dir } = daemons
    const aliceClient = createClient(multiaddr(`/unix/${encodeURIComponent(join(dir, 'alice.sock'))}`))
    const bobClient = createClient(multiaddr(`/unix/${encodeURIComponent(join(dir, 'bob.sock'))}`))

    const aliceIdentity = await aliceClient.identify()
    expect(aliceIdentity.peerId.toString()).toBe(alice.peerId)
    expect(aliceIdentity.addrs.map(String)).toEqual(alice.addrs)
    expect((await bobClient.identify()).peerId.toString()).toBe(bob.peerId)

    await aliceClient.registerStreamHandler(ECHO, async (stream) => {
      for await (const chunk of stream) {
        if (!stream.send(chunk)) await stream.onDrain()
      }
      await stream.close()
    })

    await bobClient.connect(aliceIdentity.peerId, aliceIdentity.addrs)
    expect((await bobClient.listPeers()).map(String)).toEqual([alice.peerId])

    const stream = await bobClient.openStream(aliceIdentity.peerId, ECHO)
    const payload = randomBytes(300_000)
    const received: Buffer[] = []
    let length = 0
    const reading = (async () => {
      for await (const chunk of stream) {
        received.push(Buffer.from(chunk instanceof Uint8Array ? chunk : chunk.subarray()))
        length += chunk.byteLength
        if (length >= payload.byteLength) break
      }
    })()
    stream.send(payload)
    await reading
    await stream.close()
    expect(Buffer.concat(received).byteLength).toBe(payload.byteLength)
    expect(Buffer.compare(Buffer.concat(received), payload)).toBe(0)

    await expect(bobClient.openStream(aliceIdentity.peerId, '/nobody/1.0.0')).rejects.toThrow(
      /could not open a stream/,
    )
    await expect(aliceClient.registerStreamHandler('/ipfs/ping/1.0.0', async () => {})).rejects.toThrow(
      /served by the daemon itself/,
    )
    // the client has no disconnect(): send DISCONNECT as a raw control request
    const reply = await controlRequest(join(dir, 'bob.sock'), {
      type: Request.Type.DISCONNECT,
      disconnect: { peer: aliceIdentity.peerId.toMultihash().bytes },
    })
    expect(reply.type).toBe(Response.Type.OK)
    expect(await bobClient.listPeers()).toEqual([])
    const unsupported = await controlRequest(join(dir, 'bob.sock'), { type: Request.Type.DHT })
    expect(unsupported).toMatchObject({
      type: Response.Type.ERROR,
      error: { msg: expect.stringMatching(/not supported/) },
    })
  }, 60_000)
})

/** One request on a fresh control connection, its response decoded. */
function controlRequest(path: string, request: Partial<Request>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const decoder = new LengthPrefixedDecoder(64 * 1024)
    const socket = connect(path, () => socket.write(encodeLengthPrefixed(Request.encode(request))))
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk)
      for (const message of decoder.messages()) {
        resolve(Response.decode(message))
        socket.destroy()
      }
    })
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('no response')))
  })
}
