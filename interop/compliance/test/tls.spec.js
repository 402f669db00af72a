/**
 * @libp2p/interface-compliance-tests `connection-encryption` suite against @weft/tls.
 */
import tests from '@libp2p/interface-compliance-tests/connection-encryption'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { tls } from '@weft/tls'
import { defaultLogger } from '@weft/utils'

describe('@weft/tls', () => {
  tests({
    async setup(args) {
      if (args == null) throw new Error('the suite passes a private key')
      return tls()({
        privateKey: args.privateKey,
        peerId: peerIdFromPrivateKey(args.privateKey),
        logger: defaultLogger(),
      })
    },
    async teardown() {},
  })
})
