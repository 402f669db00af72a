/**
 * @libp2p/interface-compliance-tests `transport` suite against @weft/tcp: the
 * suite builds two js-libp2p nodes (plaintext, mock muxer, its echo service)
 * whose only transport is weft's TCP, on loopback.
 */
import tests from '@libp2p/interface-compliance-tests/transport'
import { TCP } from '@multiformats/multiaddr-matcher'
import { tcp } from '@weft/tcp'

describe('@weft/tcp', () => {
  tests({
    async setup() {
      return {
        dialer: { transports: [tcp()] },
        listener: {
          addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] },
          transports: [tcp()],
        },
        dialMultiaddrMatcher: TCP,
        listenMultiaddrMatcher: TCP,
      }
    },
    async teardown() {},
  })
})
