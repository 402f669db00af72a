/**
 * @libp2p/interface-compliance-tests `peer-discovery` suite against
 * @weft/bootstrap. Its components are stand-ins: the suite checks the
 * discovery contract (start/stop, 'peer' events only while started), and
 * the dials bootstrap makes fail at once (no network in this suite).
 */
import { TypedEventEmitter } from '@libp2p/interface'
import tests from '@libp2p/interface-compliance-tests/peer-discovery'
import { bootstrap } from '@weft/bootstrap'
import { defaultLogger } from '@weft/utils'

const list = [
  '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWFQ7Q8NMtQ5REeJ6mkFt5jLcKHPaEQquFAu3rv7fHXvNf',
  '/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWJQX4h3nD1xKStbp6Af81UBVyDLmFdmbUyb7g83Yda5S2',
]

describe('@weft/bootstrap', () => {
  tests({
    async setup() {
      return bootstrap({ list, timeout: 100 })({
        events: new TypedEventEmitter(),
        logger: defaultLogger(),
        peerStore: { merge: async () => ({}) },
        connectionManager: {
          openConnection: async () => {
            throw new Error('this suite has no network')
          },
          getConnections: () => [],
        },
      })
    },
    async teardown() {},
  })
})
