/**
 * Unsigned-varint length-prefixed framing, as used by multistream-select,
 * identify and most libp2p request/response protocols.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { MessageTooLargeError } from './errors.js'
import { decodeVarint, encodeVarintInto, varintLength } from './varint.js'

/** Prefixes `data` with its varint length. */
export function encodeLengthPrefixed(data: Uint8Array | Uint8ArrayList): Uint8Array {
  const body = data instanceof Uint8Array ? data : data.subarray()
  const prefix = varintLength(body.byteLength)
  const out = new Uint8Array(prefix + body.byteLength)
  encodeVarintInto(body.byteLength, out, 0)
  out.set(body, prefix)
  return out
}

/**
 * Incremental decoder: feed it chunks, take whole messages out. A prefix that
 * announces more than `maxLength` bytes throws before anything is buffered.
 */
export class LengthPrefixedDecoder {
  private readonly buffer = new Uint8ArrayList()

  constructor(private readonly maxLength: number) {}

  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  push(chunk: Uint8Array | Uint8ArrayList): void {
    this.buffer.append(chunk)
  }

  /** Yields every complete message buffered so far. */
  *messages(): Generator<Uint8ArrayList> {
    while (true) {
      const prefix = decodeVarint(this.buffer)
      if (prefix == null) return
      if (prefix.value > this.maxLength) throw new MessageTooLargeError(prefix.value, this.maxLength)
      if (this.buffer.byteLength < prefix.length + prefix.value) return
      const message = this.buffer.sublist(prefix.length, prefix.length + prefix.value)
      this.buffer.consume(prefix.length + prefix.value)
      yield message
    }
  }
}
