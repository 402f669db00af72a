/**
 * @libp2p/interface-compliance-tests `transport` suite against @weft/quic:
 * two js-libp2p nodes whose only transport is weft's QUIC, on loopback. QUIC
 * brings its own TLS 1.3 and streams, so js-libp2p's upgrader skips its
 * encryption and muxer steps for these connections, as it does for
 * @chainsafe/libp2p-quic.
 */
import tests from '@libp2p/interface-compliance-tests/transport'
import { QUIC_V1 } from '@multiformats/multiaddr-matcher'
import { quic } from '@weft/quic'

describe('@weft/quic', () => {
  tests({
    async setup() {
      return {
        dialer: { transports: [quic()] },
        listener: {
          addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1', '/ip4/127.0.0.1/udp/0/quic-v1'] },
          transports: [quic()],
        },
        dialMultiaddrMatcher: QUIC_V1,
        listenMultiaddrMatcher: QUIC_V1,
      }
    },
    async teardown() {},
  })
})
