/**
 * @libp2p/interface-compliance-tests `peer-discovery` suite against
 * @weft/mdns. The multicast socket is an in-process group (the network rule
 * keeps tests off real interfaces; real multicast is tested across network
 * namespaces in interop/js-libp2p/test/mdns-netns.test.ts), and a second
 * mDNS node answers the queries of the one under test.
 */
import { EventEmitter } from 'node:events'
import tests from '@libp2p/interface-compliance-tests/peer-discovery'
import { multiaddr } from '@multiformats/multiaddr'
import { mdns } from '@weft/mdns'
import { peerIdFromString } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'

const self = peerIdFromString('12D3KooWFQ7Q8NMtQ5REeJ6mkFt5jLcKHPaEQquFAu3rv7fHXvNf')
const other = peerIdFromString('12D3KooWJQX4h3nD1xKStbp6Af81UBVyDLmFdmbUyb7g83Yda5S2')

/** Every socket of the group hears every packet, its own included. */
function memoryGroup() {
  const sockets = new Set()
  const deliver = (kind, packet) => {
    const copy = JSON.parse(JSON.stringify(packet))
    setImmediate(() => {
      for (const socket of sockets) socket.emit(kind, copy)
    })
  }
  return () => {
    const socket = new EventEmitter()
    socket.query = (packet) => deliver('query', packet)
    socket.respond = (packet) => deliver('response', packet)
    socket.destroy = (callback) => {
      sockets.delete(socket)
      setImmediate(() => callback?.())
    }
    sockets.add(socket)
    return socket
  }
}

function node(socket, peerId, address) {
  return mdns({ socket, interval: 500, minResponseInterval: 0 })({
    peerId,
    logger: defaultLogger(),
    addressManager: { getAddresses: () => [multiaddr(`${address}/p2p/${peerId.toString()}`)] },
  })
}

describe('@weft/mdns', () => {
  let responder

  tests({
    async setup() {
      const socket = memoryGroup()
      responder = node(socket, other, '/ip4/10.9.0.2/tcp/4001')
      responder.start()
      return node(socket, self, '/ip4/10.9.0.1/tcp/4001')
    },
    async teardown() {
      await responder?.stop()
    },
  })
})
