/**
 * A registrar and a connection just real enough for service tests without a
 * host: `newStream` makes a `streamPair()` and hands the far end to the
 * handler the remote registrar holds for the protocol.
 */
import type { Connection, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { defaultLogger, type StreamPairInit, streamPair } from '@weft/utils'
import type { PerfComponents } from '../src/index.js'

export class FakeRegistrar {
  readonly handlers = new Map<string, { handler: StreamHandler; options?: StreamHandlerOptions }>()

  async handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void> {
    this.handlers.set(protocol, { handler, options })
  }

  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }
}

export interface FakeConnection extends Connection {
  closed: boolean
}

export function fakeConnection(remote: FakeRegistrar, init: StreamPairInit = {}): FakeConnection {
  const connection = {
    id: 'fake',
    status: 'open',
    streams: [],
    closed: false,
    log: defaultLogger().forComponent('fake-connection'),
    async newStream(protocols: string | string[]) {
      const protocol = Array.isArray(protocols) ? protocols[0]! : protocols
      const record = remote.handlers.get(protocol)
      if (record == null) throw new Error(`remote does not handle ${protocol}`)
      const [local, far] = streamPair(init)
      local.protocol = protocol
      far.protocol = protocol
      void record.handler(far, connection)
      return local
    },
    async close() {
      connection.closed = true
    },
    abort() {
      connection.closed = true
    },
  } as unknown as FakeConnection
  return connection
}

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
