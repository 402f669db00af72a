/**
 * @libp2p/interface-compliance-tests `peer-discovery` suite against the
 * @weft/rendezvous client. A rendezvous point (the real server) is reached
 * over in-memory stream pairs; another peer registers there first, so the
 * client under test has someone to discover once started.
 */
import tests from '@libp2p/interface-compliance-tests/peer-discovery'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { rendezvous, rendezvousServer } from '@weft/rendezvous'
import { defaultLogger, streamPair } from '@weft/utils'

async function network() {
  let handler
  const server = rendezvousServer()({
    logger: defaultLogger(),
    registrar: {
      handle: async (_protocol, fn) => {
        handler = fn
      },
      unhandle: async () => {
        handler = undefined
      },
    },
  })
  await server.start()
  const serverId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const point = `/memory/rendezvous/p2p/${serverId.toString()}`
  const client = async (init) => {
    const privateKey = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(privateKey)
    return rendezvous(init)({
      peerId,
      privateKey,
      logger: defaultLogger(),
      addressManager: { getAddresses: () => [multiaddr(`/ip4/10.9.0.1/tcp/4001/p2p/${peerId.toString()}`)] },
      connectionManager: {
        openStream: async () => {
          if (handler == null) throw new Error('the rendezvous point stopped')
          const [outbound, inbound] = streamPair()
          handler(inbound, { remotePeer: peerId })
          return outbound
        },
      },
    })
  }
  return { server, point, client }
}

describe('@weft/rendezvous', () => {
  let net

  tests({
    async setup() {
      net = await network()
      const registered = await net.client()
      await registered.register(net.point, 'compliance')
      return net.client({ rendezvousPoints: [net.point], namespaces: ['compliance'], discoverInterval: 500 })
    },
    async teardown() {
      await net?.server.stop()
    },
  })
})
