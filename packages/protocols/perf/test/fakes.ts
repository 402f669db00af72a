/**
 * The perf service's components over testkit's fake registrar and connection
 * (`newStream` makes a `streamPair()` and hands the far end to the handler the
 * remote registrar holds for the protocol).
 */
import type { Connection } from '@libp2p/interface'
import type { FakeRegistrar } from '@weft/testkit'
import { defaultLogger } from '@weft/utils'
import type { PerfComponents } from '../src/index.js'

export { FakeRegistrar, fakePeerConnection as fakeConnection } from '@weft/testkit'

export function components(
  registrar: FakeRegistrar,
  connect: (options?: { force?: boolean }) => Connection = () => {
    throw new Error('no connection')
  },
): PerfComponents {
  return {
    registrar,
    connectionManager: { openConnection: async (_peer, options) => connect(options) },
    logger: defaultLogger(),
  }
}
