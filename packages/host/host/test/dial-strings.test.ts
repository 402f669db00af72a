import { InvalidMultiaddrError } from '@libp2p/interface'
import { multiaddr as upstreamMultiaddr } from '@multiformats/multiaddr'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { peerIdFromString as upstreamPeerIdFromString } from '@weft/peer-id'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host, type HostInit, multiaddr, peerIdFromString } from '../src/index.js'
import { echo, encode, readAll } from './fixtures/peer.js'

const hosts: Host[] = []
let nextName = 0

async function memoryHost(init: HostInit = {}): Promise<Host> {
  const host = await createHost({
    addresses: { listen: [`/memory/dial-strings-${process.pid}-${nextName++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...init,
  })
  hosts.push(host)
  return host
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

describe('addresses typed by a person', () => {
  it('dialProtocol, dial and hangUp take multiaddr strings', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    await b.handle('/echo/1.0.0', (stream) => echo(stream))
    const address = b.getMultiaddrs()[0]!.toString()

    const stream = await a.dialProtocol(address, '/echo/1.0.0')
    stream.send(encode('typed by hand'))
    await stream.close()
    expect(await readAll(stream)).toBe('typed by hand')

    const connection = await a.dial([address])
    expect(connection.remotePeer.toString()).toBe(b.peerId.toString())
    expect(a.getConnections()).toHaveLength(1)

    await a.hangUp(address)
    expect(a.getConnections()).toEqual([])
  })

  it('reject strings that are not multiaddrs with InvalidMultiaddrError, quoting the string', async () => {
    const a = await memoryHost()
    const b = await memoryHost()
    for (const bad of ['/ip4/1.2.3/tcp/4001', '/memory/x/nonsense-protocol', '/', '']) {
      const failure = await a.dial(bad).catch((err: unknown) => err)
      expect(failure, bad).toBeInstanceOf(InvalidMultiaddrError)
      expect((failure as Error).message, bad).toContain(`"${bad}" is not a multiaddr`)
      await expect(a.dialProtocol([bad], '/echo/1.0.0'), bad).rejects.toBeInstanceOf(InvalidMultiaddrError)
      await expect(a.hangUp(bad), bad).rejects.toBeInstanceOf(InvalidMultiaddrError)
    }
    // a bare peer id is the usual slip: the error says what to pass instead
    await expect(a.dial(b.peerId.toString())).rejects.toThrow(
      `"${b.peerId.toString()}" is not a multiaddr: one starts with "/", e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer id>` +
        ' (to dial a known peer by id, pass peerIdFromString(id))',
    )
    expect(a.getConnections()).toEqual([])
  })

  it('rejects a listen address that is not a multiaddr with InvalidMultiaddrError', async () => {
    await expect(memoryHost({ addresses: { listen: ['/ip4/127.0.0.1/tcp/70000'] } })).rejects.toThrow(
      InvalidMultiaddrError,
    )
  })

  it('re-exports multiaddr and peerIdFromString, so a first program needs no companion package', async () => {
    expect(multiaddr).toBe(upstreamMultiaddr)
    expect(peerIdFromString).toBe(upstreamPeerIdFromString)
    const a = await memoryHost()
    const b = await memoryHost()
    const connection = await a.dial(multiaddr(b.getMultiaddrs()[0]!.toString()))
    await connection.close()
    // the peer store now knows b's address: a peer id read from text is enough
    const again = await a.dial(peerIdFromString(b.peerId.toString()))
    expect(again.remotePeer.equals(b.peerId)).toBe(true)
  })
})
