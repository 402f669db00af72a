import { describe, expect, it } from 'vitest'
import { ClientConnection, MIN_INITIAL_DATAGRAM } from '../src/client-connection.js'
import { decodeFrames } from '../src/frame-decoder.js'
import { parsePacketHeader } from '../src/packet-header.js'
import { initialKeys } from '../src/packet-keys.js'
import { unprotectPacket } from '../src/packet-protection.js'
import { TlsServer } from '../src/tls/tls-server.js'
import { identity, SERVER_PARAMETERS } from './tls-fixtures.js'

describe('ClientConnection (sans I/O)', () => {
  it('starts with one padded Initial that a server opens with keys from its DCID and reads a ClientHello from', async () => {
    const [client, server] = await Promise.all([identity(), identity()])
    const connection = new ClientConnection({ certificate: client.certificate })
    const datagrams = await connection.start()
    expect(datagrams).toHaveLength(1)
    const datagram = datagrams[0] as Uint8Array
    expect(datagram.length).toBeGreaterThanOrEqual(MIN_INITIAL_DATAGRAM)
    const header = parsePacketHeader(datagram, 0, 8)
    if (header.form !== 'long') throw new Error('expected a long header')
    expect(header.type).toBe('initial')
    expect(header.scid).toEqual(connection.scid)
    const opened = unprotectPacket(
      initialKeys(header.dcid).client,
      datagram.subarray(0, header.packetEnd),
      header.pnOffset,
      -1,
    )
    const frames = decodeFrames(opened.payload, 'initial')
    const crypto = frames.find((frame) => frame.type === 'crypto')
    if (crypto?.type !== 'crypto') throw new Error('no CRYPTO frame')
    const tls = new TlsServer({ certificate: server.certificate, transportParameters: SERVER_PARAMETERS })
    const events = await tls.receive('initial', crypto.data)
    expect(
      events.filter((event) => event.type === 'send').map((event) => event.type === 'send' && event.level),
    ).toEqual(['initial', 'handshake', 'handshake', 'handshake', 'handshake', 'handshake'])
  })

  it('drops garbage datagrams without failing', async () => {
    const { certificate } = await identity()
    const connection = new ClientConnection({ certificate })
    await connection.start()
    for (const garbage of [
      new Uint8Array(0),
      new Uint8Array(1300).fill(0xc3),
      Uint8Array.of(0x40, 1, 2, 3),
    ]) {
      await expect(connection.receive(garbage)).resolves.toEqual([])
    }
  })
})
