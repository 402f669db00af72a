/**
 * BEP44 from the client's side: an iterative `get` that keeps the item
 * whose hash (immutable) or signature (mutable) checks out, the highest
 * `seq` winning; `put` to the k closest nodes that gave a write token.
 */
import type { NodeContact } from './address.js'
import type { Bencodable, BencodeValue } from './bencode.js'
import {
  checkSizes,
  equalBytes,
  type ItemSigner,
  immutableTarget,
  type MutableItem,
  mutableTarget,
  PUBLIC_KEY_SIZE,
  signItem,
  verifyItem,
} from './bep44.js'
import type { AbortOptions, MainlineDHT } from './dht.js'
import { KrpcError } from './errors.js'
import type { LookupResult } from './lookup.js'
import type { Response } from './message.js'

export interface GetImmutableResult {
  /** The value, when a node held one whose hash is the target. */
  readonly v?: BencodeValue
  readonly lookup: LookupResult
}

export interface GetMutableResult {
  /** The valid item with the highest seq found. */
  readonly item?: MutableItem
  readonly lookup: LookupResult
}

export interface GetMutableOptions extends AbortOptions {
  salt?: Uint8Array
  /** Only items with a higher seq are sent whole (BEP44 `seq` in get). */
  seq?: number
}

export interface PutResult {
  readonly target: Uint8Array
  /** Nodes that stored the item. */
  readonly stored: number
  /** KRPC errors the closest nodes answered with (e.g. 302 from nodes holding a newer seq). */
  readonly errors: KrpcError[]
  readonly lookup: LookupResult
}

export interface PutMutableOptions extends AbortOptions {
  salt?: Uint8Array
  /** Default: one above the highest seq found, else 0. */
  seq?: number
  /** Compare-and-swap: store only where the current seq is this. */
  cas?: number
}

export interface PutMutableResult extends PutResult {
  readonly seq: number
  readonly sig: Uint8Array
}

export async function getImmutable(
  dht: MainlineDHT,
  target: Uint8Array,
  options: AbortOptions = {},
): Promise<GetImmutableResult> {
  let v: BencodeValue | undefined
  const lookup = await dht.lookup(
    target,
    'get',
    { target },
    {
      ...options,
      onResponse: (response) => {
        const value = response.values.v
        if (v !== undefined || value === undefined) return
        if (equalBytes(immutableTarget(value), target)) v = value
      },
    },
  )
  return { v, lookup }
}

/** The valid mutable item in a `get` response, or undefined. */
export function mutableItemOf(response: Response): MutableItem | undefined {
  const { v, k, sig, seq } = response.values
  if (v === undefined || !(k instanceof Uint8Array) || !(sig instanceof Uint8Array)) return undefined
  if (typeof seq !== 'number' || seq < 0 || k.length !== PUBLIC_KEY_SIZE) return undefined
  return { v, k, sig, seq }
}

export async function getMutable(
  dht: MainlineDHT,
  publicKey: Uint8Array,
  options: GetMutableOptions = {},
): Promise<GetMutableResult> {
  const salt = options.salt === undefined || options.salt.length === 0 ? undefined : options.salt
  const target = mutableTarget(publicKey, salt)
  let item: MutableItem | undefined
  const lookup = await dht.lookup(
    target,
    'get',
    { target, seq: options.seq },
    {
      signal: options.signal,
      onResponse: (response) => {
        const found = mutableItemOf(response)
        if (found === undefined || !equalBytes(found.k, publicKey)) return
        if (item !== undefined && found.seq <= item.seq) return
        const candidate = { ...found, salt }
        if (verifyItem(candidate)) item = candidate
      },
    },
  )
  return { item, lookup }
}

async function putToClosest(
  dht: MainlineDHT,
  lookup: LookupResult,
  target: Uint8Array,
  args: Record<string, Bencodable | undefined>,
  options: AbortOptions,
): Promise<PutResult> {
  const holders = lookup.closest.filter(
    (node): node is NodeContact & { token: Uint8Array } => node.token !== undefined,
  )
  const outcomes = await Promise.allSettled(
    holders.map((node) => dht.query(node, 'put', { ...args, token: node.token }, options)),
  )
  const errors: KrpcError[] = []
  for (const outcome of outcomes)
    if (outcome.status === 'rejected' && outcome.reason instanceof KrpcError) errors.push(outcome.reason)
  return {
    target,
    stored: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
    errors,
    lookup,
  }
}

export async function putImmutable(
  dht: MainlineDHT,
  value: Bencodable,
  options: AbortOptions = {},
): Promise<PutResult> {
  const target = immutableTarget(value)
  // checked here too, so an oversized value fails before any traffic
  checkSizes(value)
  const lookup = await dht.lookup(target, 'get', { target }, options)
  return putToClosest(dht, lookup, target, { v: value }, options)
}

export async function putMutable(
  dht: MainlineDHT,
  signer: ItemSigner,
  value: Bencodable,
  options: PutMutableOptions = {},
): Promise<PutMutableResult> {
  const publicKey = signer.publicKey.raw
  if (publicKey.length !== PUBLIC_KEY_SIZE)
    throw new TypeError(
      `a BEP44 key is a ${PUBLIC_KEY_SIZE}-byte Ed25519 public key, got ${publicKey.length} bytes`,
    )
  const salt = options.salt === undefined || options.salt.length === 0 ? undefined : options.salt
  checkSizes(value, salt)
  const found = await getMutable(dht, publicKey, { salt, signal: options.signal })
  const seq = options.seq ?? (found.item === undefined ? 0 : found.item.seq + 1)
  const sig = await signItem(signer, value, seq, salt)
  const result = await putToClosest(
    dht,
    found.lookup,
    mutableTarget(publicKey, salt),
    { v: value, k: publicKey, sig, seq, salt, cas: options.cas },
    options,
  )
  return { ...result, seq, sig }
}
