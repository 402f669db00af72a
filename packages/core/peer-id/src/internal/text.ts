/**
 * Peer id text forms (peer-ids/peer-ids.md, "String representation" and
 * "Decoding"): a bare base58btc multihash when the text starts with `1` or
 * `Qm`, otherwise a multibase CIDv1 whose codec must be libp2p-key (0x72).
 */

import { base58btc } from 'multiformats/bases/base58'
import type { MultibaseDecoder } from 'multiformats/bases/interface'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { decode as decodeDigest } from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'

export const LIBP2P_KEY_CODEC = 0x72
/** Longest peer id text accepted: a base2 CID of an inlined secp256k1 key is 329 characters. */
export const MAX_PEER_ID_STRING_LENGTH = 512
/** Longest binary multihash accepted: an identity hash of a 42-byte key is 44 bytes. */
export const MAX_MULTIHASH_LENGTH = 128

let byPrefix: Map<string, MultibaseDecoder<string>> | undefined

/** Decodes text in any multibase multiformats knows, chosen by its prefix code point. */
const anyBase: MultibaseDecoder<string> = {
  decode(text: string): Uint8Array<ArrayBuffer> {
    byPrefix ??= new Map(Object.values(bases).map((base) => [base.prefix as string, base.decoder]))
    const prefix = String.fromCodePoint(text.codePointAt(0) ?? 0)
    const decoder = byPrefix.get(prefix)
    if (decoder === undefined) throw new Error(`unknown multibase prefix ${JSON.stringify(prefix)}`)
    return decoder.decode(text)
  },
}

export type TextForm = { kind: 'multihash'; multihash: MultihashDigest } | { kind: 'cid'; cid: CID }

/**
 * Splits peer id text into its multihash or CID. Throws `Error` with a reason
 * on anything malformed; callers turn it into their typed error.
 */
export function parseText(text: string, decoder?: MultibaseDecoder<string>): TextForm {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_PEER_ID_STRING_LENGTH) {
    throw new Error(`expected a string of 1 to ${MAX_PEER_ID_STRING_LENGTH} characters`)
  }
  if (text.startsWith('1') || text.startsWith('Qm')) {
    return { kind: 'multihash', multihash: multihashFromBytes(base58btc.baseDecode(text)) }
  }
  return { kind: 'cid', cid: CID.parse(text, decoder ?? anyBase) }
}

export function multihashFromBytes(bytes: Uint8Array): MultihashDigest {
  if (bytes.byteLength > MAX_MULTIHASH_LENGTH) {
    throw new Error(`expected a multihash of at most ${MAX_MULTIHASH_LENGTH} bytes, got ${bytes.byteLength}`)
  }
  return decodeDigest(bytes)
}

/** The multihash bytes a text form names, or undefined when it names none. */
export function multihashBytesOf(text: string): Uint8Array | undefined {
  try {
    const form = parseText(text)
    if (form.kind === 'multihash') return form.multihash.bytes
    return form.cid.version === 1 && form.cid.code === LIBP2P_KEY_CODEC ? form.cid.multihash.bytes : undefined
  } catch {
    return undefined
  }
}
