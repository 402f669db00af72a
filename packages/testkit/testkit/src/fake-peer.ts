/**
 * A registrar and a connection just real enough for protocol service tests
 * without a host: `newStream(protocol)` makes a `streamPair()` and hands the
 * far end to the handler the remote `FakeRegistrar` holds for the protocol.
 */
import type { Connection, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { defaultLogger, type StreamPairInit, streamPair } from '@weft/utils'

/** The `handle`/`unhandle` half of a `Registrar`, keeping handlers in a map. */
export class FakeRegistrar {
  readonly handlers = new Map<string, { handler: StreamHandler; options?: StreamHandlerOptions }>()

  async handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void> {
    this.handlers.set(protocol, { handler, options })
  }

  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }

  /** The protocols with a handler, sorted. */
  getProtocols(): string[] {
    return [...this.handlers.keys()].sort()
  }
}

/** A connection to a fake peer; `closed` turns true on `close()` or `abort()`. */
export interface FakePeerConnection extends Connection {
  closed: boolean
}

/**
 * A connection whose streams reach `remote`'s handlers. `newStream` takes the
 * first protocol offered and throws when the remote does not handle it.
 */
export function fakePeerConnection(remote: FakeRegistrar, init: StreamPairInit = {}): FakePeerConnection {
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
  } as unknown as FakePeerConnection
  return connection
}
