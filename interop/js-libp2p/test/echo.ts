/**
 * Echo protocol and payload helpers shared by the interop tests. They use
 * only the @libp2p/interface Stream API, so they run on weft and js-libp2p
 * streams alike.
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

export const ECHO_PROTOCOL = '/weft-interop/echo/1.0.0'

/** Echoes every byte back, then closes the writable end when the remote does. */
export async function echoHandler(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** Deterministic pseudo-random payload, different per stream. */
export function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** Sends `data` in chunks with back-pressure, half-closes, and returns every byte read back. */
export async function echoRoundTrip(
  stream: Stream,
  data: Uint8Array,
  chunkSize = 64 * 1024,
): Promise<Uint8Array> {
  const received = new Uint8ArrayList()
  const reading = (async () => {
    for await (const chunk of stream) received.append(chunk)
  })()
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    if (!stream.send(data.subarray(offset, offset + chunkSize))) await stream.onDrain()
  }
  await stream.close()
  await reading
  return received.subarray()
}
