/**
 * Components for ping service tests without a host; the registrar and the
 * connection to a fake peer come from @weft/testkit.
 */
import type { Connection } from '@libp2p/interface'
import type { FakeRegistrar } from '@weft/testkit'
import { defaultLogger } from '@weft/utils'
import type { PingComponents } from '../src/index.js'

export function components(
  registrar: FakeRegistrar,
  connect: () => Connection = () => {
    throw new Error('no connection')
  },
): PingComponents {
  return {
    registrar,
    connectionManager: { openConnection: async () => connect() },
    logger: defaultLogger(),
  }
}
