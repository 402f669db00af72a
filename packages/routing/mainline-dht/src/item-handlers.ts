/**
 * The BEP44 queries a node answers: `get` (the item held under `target`,
 * the closest nodes and a write token) and `put` (immutable or mutable,
 * checked with the BEP's 203 and 205–302 errors before it is stored).
 */
import { ID_LENGTH } from './address.js'
import type { BencodeDict } from './bencode.js'
import {
  checkReplace,
  checkSizes,
  immutableTarget,
  isMutable,
  type MutableItem,
  mutableTarget,
  PUBLIC_KEY_SIZE,
  SIGNATURE_SIZE,
  verifyItem,
} from './bep44.js'
import { ErrorCode, KrpcError } from './errors.js'
import { bytesArg, closestNodes, type HandlerContext } from './handlers.js'
import type { ItemStore } from './item-store.js'
import type { Query } from './message.js'
import type { QueryHandler } from './options.js'

export interface ItemHandlerContext extends HandlerContext {
  readonly items: ItemStore
}

function integerArg(query: Query, key: string): number | undefined {
  const value = query.args[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || value < 0)
    throw new KrpcError(ErrorCode.protocol, `${query.method}: ${key} is not a non-negative integer`)
  return value
}

function optionalBytes(query: Query, key: string): Uint8Array | undefined {
  const value = query.args[key]
  if (value === undefined) return undefined
  if (!(value instanceof Uint8Array))
    throw new KrpcError(ErrorCode.protocol, `${query.method}: ${key} is not a byte string`)
  return value
}

export function itemHandlers(context: ItemHandlerContext): Record<string, QueryHandler> {
  return {
    get: (query, from) => {
      const target = bytesArg(query, 'target', ID_LENGTH)
      const knownSeq = integerArg(query, 'seq')
      const values: BencodeDict = closestNodes(context, target, query, from)
      values.token = context.tokens.issue(from.host)
      const item = context.items.get(target)
      if (item === undefined) return values
      if (!isMutable(item)) return { ...values, v: item.v }
      values.k = item.k
      values.seq = item.seq
      // BEP44: a querier that already holds this seq need not be sent the value again
      if (knownSeq === undefined || item.seq > knownSeq) {
        values.v = item.v
        values.sig = item.sig
      }
      return values
    },
    put: (query, from) => {
      const token = bytesArg(query, 'token')
      if (token.length > 64 || !context.tokens.check(token, from.host))
        throw new KrpcError(ErrorCode.protocol, 'put: bad token')
      const v = query.args.v
      if (v === undefined) throw new KrpcError(ErrorCode.protocol, 'put: argument v missing')
      const k = optionalBytes(query, 'k')
      const salt = optionalBytes(query, 'salt')
      checkSizes(v, salt)
      if (k === undefined) {
        context.items.set(immutableTarget(v), { v })
        return {}
      }
      const sig = optionalBytes(query, 'sig')
      const seq = integerArg(query, 'seq')
      if (k.length !== PUBLIC_KEY_SIZE || sig?.length !== SIGNATURE_SIZE || seq === undefined)
        throw new KrpcError(ErrorCode.protocol, 'put: a mutable item needs k (32 bytes), sig (64) and seq')
      const item: MutableItem = { v, k, sig, seq, salt: salt?.length === 0 ? undefined : salt }
      if (!verifyItem(item)) throw new KrpcError(ErrorCode.invalidSignature, 'put: invalid signature')
      const target = mutableTarget(k, item.salt)
      const current = context.items.get(target)
      checkReplace(
        current !== undefined && isMutable(current) ? current : undefined,
        item,
        integerArg(query, 'cas'),
      )
      context.items.set(target, item)
      return {}
    },
  }
}
