/**
 * @libp2p/interface-compliance-tests `transport` suite against @weft/memory:
 * two js-libp2p nodes (plaintext, mock muxer, the suite's echo service) whose
 * only transport is weft's in-process memory transport.
 */
import tests from '@libp2p/interface-compliance-tests/transport'
import { Memory } from '@multiformats/multiaddr-matcher'
import { memory } from '@weft/memory'

let nextName = 0

describe('@weft/memory', () => {
  tests({
    async setup() {
      const name = `weft-compliance-${process.pid}-${nextName++}`
      return {
        dialer: { transports: [memory()] },
        listener: {
          addresses: { listen: [`/memory/${name}-a`, `/memory/${name}-b`] },
          transports: [memory()],
        },
        dialMultiaddrMatcher: Memory,
        listenMultiaddrMatcher: Memory,
      }
    },
    async teardown() {},
  })
})
