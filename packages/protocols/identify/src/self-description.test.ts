import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { openPeerRecord } from '@weft/record'
import { defaultLogger } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { SelfDescription, withoutPeerId } from './self-description.js'

const self = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const relay = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'

describe('withoutPeerId', () => {
  it('drops only a trailing /p2p/<our id>', () => {
    expect(withoutPeerId(multiaddr(`/ip4/1.2.3.4/tcp/1/p2p/${self}`), self).toString()).toBe(
      '/ip4/1.2.3.4/tcp/1',
    )
    expect(withoutPeerId(multiaddr('/ip4/1.2.3.4/tcp/1'), self).toString()).toBe('/ip4/1.2.3.4/tcp/1')
    expect(withoutPeerId(multiaddr(`/ip4/1.2.3.4/tcp/1/p2p/${relay}`), self).toString()).toBe(
      `/ip4/1.2.3.4/tcp/1/p2p/${relay}`,
    )
    expect(
      withoutPeerId(multiaddr(`/ip4/1.2.3.4/tcp/1/p2p/${relay}/p2p-circuit/p2p/${self}`), self).toString(),
    ).toBe(`/ip4/1.2.3.4/tcp/1/p2p/${relay}/p2p-circuit`)
  })
})

describe('SelfDescription', () => {
  async function make(addresses: string[]) {
    const privateKey = await generateKeyPair()
    const peerId = peerIdFromPrivateKey(privateKey)
    const state = { addresses }
    const description = new SelfDescription({
      peerId,
      privateKey,
      protocolVersion: 'ipfs/0.1.0',
      agentVersion: 'test/1',
      getAddresses: () => state.addresses.map((addr) => multiaddr(`${addr}/p2p/${peerId.toString()}`)),
      getProtocols: () => ['/a/1.0.0'],
      log: defaultLogger().forComponent('test'),
    })
    return { description, peerId, state }
  }

  it('describes us with a signed peer record of our bare addresses', async () => {
    const { description, peerId } = await make(['/ip4/127.0.0.1/tcp/1'])
    const message = await description.message()
    expect(message.listenAddrs.map((bytes) => multiaddr(bytes).toString())).toEqual(['/ip4/127.0.0.1/tcp/1'])
    expect(message.protocols).toEqual(['/a/1.0.0'])
    expect(message.agentVersion).toBe('test/1')
    const { record } = await openPeerRecord(message.signedPeerRecord!)
    expect(record.peerId.equals(peerId)).toBe(true)
    expect(record.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/1'])
  })

  it('reuses the record until the addresses change, then seals a higher seq', async () => {
    const { description, state } = await make(['/ip4/127.0.0.1/tcp/1'])
    const first = (await description.message()).signedPeerRecord!
    expect((await description.message()).signedPeerRecord).toBe(first)
    state.addresses = ['/ip4/127.0.0.1/tcp/2']
    const second = (await description.message()).signedPeerRecord!
    expect(second).not.toBe(first)
    const seq = async (bytes: Uint8Array) => (await openPeerRecord(bytes)).record.seqNumber
    expect(await seq(second)).toBeGreaterThan(await seq(first))
    description.invalidate()
    const third = (await description.message()).signedPeerRecord!
    expect(await seq(third)).toBeGreaterThan(await seq(second))
  })
})
