/**
 * KRPC messages (BEP5 "KRPC Protocol"): a bencoded dictionary with a
 * transaction id `t`, a type `y` (q, r, e) and the query name and arguments,
 * the response values or the error. BEP42 adds `ip` (the responder's view of
 * the requester's address), BEP43 `ro` (a read-only querier).
 */
import { type Address, decodeAddress, ID_LENGTH } from './address.js'
import { type BencodeDict, type BencodeValue, bytesToLatin1, type DecodeLimits, decode } from './bencode.js'
import { InvalidKrpcMessageError } from './errors.js'

export interface Query {
  readonly type: 'query'
  readonly transactionId: Uint8Array
  /** The query name, `q` (`ping`, `find_node`, …). */
  readonly method: string
  /** The arguments `a`; `id` is checked to be 20 bytes. */
  readonly args: BencodeDict
  readonly id: Uint8Array
  /** BEP43: the querier is read-only and must not enter routing tables. */
  readonly readOnly: boolean
  readonly version?: Uint8Array
}

export interface Response {
  readonly type: 'response'
  readonly transactionId: Uint8Array
  /** The return values `r`; `id` is checked to be 20 bytes. */
  readonly values: BencodeDict
  readonly id: Uint8Array
  /** BEP42: how the responder sees our address. */
  readonly ip?: Address
  readonly version?: Uint8Array
}

export interface ErrorReply {
  readonly type: 'error'
  readonly transactionId: Uint8Array
  readonly code: number
  readonly message: string
}

export type Message = Query | Response | ErrorReply

/** A query that could not be parsed, with its transaction id when one was readable (to answer 203). */
export class MalformedQueryError extends InvalidKrpcMessageError {
  constructor(
    message: string,
    readonly transactionId: Uint8Array,
  ) {
    super(message)
  }
}

const MAX_TRANSACTION_ID = 16

function bytesField(dict: BencodeDict, key: string): Uint8Array | undefined {
  const value = dict[key]
  return value instanceof Uint8Array ? value : undefined
}

function isDict(value: BencodeValue | undefined): value is BencodeDict {
  return (
    typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value)
  )
}

export function parseMessage(bytes: Uint8Array, limits?: DecodeLimits): Message {
  const root = decode(bytes, limits)
  if (!isDict(root)) throw new InvalidKrpcMessageError('a KRPC message is a dictionary')
  const transactionId = bytesField(root, 't')
  if (transactionId === undefined || transactionId.length > MAX_TRANSACTION_ID) {
    throw new InvalidKrpcMessageError('missing or oversized transaction id t')
  }
  const kind = bytesField(root, 'y')
  const type = kind === undefined ? '' : bytesToLatin1(kind)
  const version = bytesField(root, 'v')
  if (type === 'q') {
    const method = bytesField(root, 'q')
    const args = root.a
    if (method === undefined || method.length > 64)
      throw new MalformedQueryError('query without a name q', transactionId)
    if (!isDict(args)) throw new MalformedQueryError('query without arguments a', transactionId)
    const id = bytesField(args, 'id')
    if (id?.length !== ID_LENGTH) throw new MalformedQueryError('query id is not 20 bytes', transactionId)
    return {
      type: 'query',
      transactionId,
      method: bytesToLatin1(method),
      args,
      id,
      readOnly: root.ro === 1,
      version,
    }
  }
  if (type === 'r') {
    const values = root.r
    if (!isDict(values)) throw new InvalidKrpcMessageError('response without values r')
    const id = bytesField(values, 'id')
    if (id?.length !== ID_LENGTH) throw new InvalidKrpcMessageError('response id is not 20 bytes')
    const ipBytes = bytesField(root, 'ip')
    const ip = ipBytes === undefined ? undefined : decodeAddress(ipBytes)
    return { type: 'response', transactionId, values, id, ip, version }
  }
  if (type === 'e') {
    const error = root.e
    if (!Array.isArray(error) || typeof error[0] !== 'number')
      throw new InvalidKrpcMessageError('error without [code, message]')
    const text = error[1] instanceof Uint8Array ? new TextDecoder().decode(error[1]) : ''
    return { type: 'error', transactionId, code: error[0], message: text.slice(0, 256) }
  }
  throw new InvalidKrpcMessageError('y is not q, r or e')
}
