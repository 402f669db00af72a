/**
 * Answers incoming queries: the handler registered for the method gives
 * the values (our id is added); a `KrpcError` it throws is sent as that
 * error, anything else is logged and sent as a server error; an unknown
 * method gets error 204.
 */
import type { Logger } from '@libp2p/interface'
import type { Address } from './address.js'
import { ErrorCode, KrpcError } from './errors.js'
import type { Query } from './message.js'
import type { QueryHandler } from './options.js'
import type { Rpc } from './rpc.js'

export interface ResponderInit {
  /** our node id, added to every answer */
  id: Uint8Array
  log: Logger
}

export class Responder {
  private readonly handlers = new Map<string, QueryHandler>()

  constructor(
    private readonly init: ResponderInit,
    ...handlerSets: Array<Record<string, QueryHandler>>
  ) {
    for (const handlers of handlerSets)
      for (const [method, handler] of Object.entries(handlers)) this.handlers.set(method, handler)
  }

  /** Registers (or replaces) the handler of a query type. */
  handle(method: string, handler: QueryHandler): void {
    this.handlers.set(method, handler)
  }

  unhandle(method: string): void {
    this.handlers.delete(method)
  }

  async answer(rpc: Pick<Rpc, 'respond' | 'respondError'>, query: Query, from: Address): Promise<void> {
    const handler = this.handlers.get(query.method)
    if (handler === undefined) {
      rpc.respondError(
        from,
        query.transactionId,
        ErrorCode.methodUnknown,
        `method unknown: ${query.method.slice(0, 32)}`,
      )
      return
    }
    try {
      const values = await handler(query, from)
      rpc.respond(from, query, { ...values, id: this.init.id })
    } catch (err) {
      if (err instanceof KrpcError) rpc.respondError(from, query.transactionId, err.code, err.message)
      else {
        this.init.log.error('handler of %s failed: %e', query.method, err)
        rpc.respondError(from, query.transactionId, ErrorCode.server, 'server error')
      }
    }
  }
}
