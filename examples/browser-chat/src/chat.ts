/**
 * The example's chat protocol: one message per stream. The sender opens a
 * stream on `/weft-example/chat/1.0.0`, writes the message as UTF-8 and
 * closes its end; the receiver reads to the end (at most
 * `MAX_MESSAGE_BYTES`, more resets the stream) and closes too. Both the page
 * and the Node host run the same code, on the same connection: the page
 * cannot listen, so the server answers over the connection the page opened.
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

export const CHAT_PROTOCOL = '/weft-example/chat/1.0.0'
export const MAX_MESSAGE_BYTES = 4096

/** Writes one message on a new stream to `peer` and waits until it is delivered. */
export async function sendMessage<Peer>(
  host: { dialProtocol(peer: Peer, protocol: string, options?: { signal?: AbortSignal }): Promise<Stream> },
  peer: Peer,
  text: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new RangeError(`a chat message holds at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes.byteLength}`)
  }
  const stream = await host.dialProtocol(peer, CHAT_PROTOCOL, options)
  try {
    stream.send(bytes)
    await stream.close(options)
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/** Reads one message from an inbound chat stream; over `MAX_MESSAGE_BYTES` resets it. */
export async function readMessage(stream: Stream): Promise<string> {
  const received = new Uint8ArrayList()
  try {
    for await (const chunk of stream) {
      received.append(chunk)
      if (received.byteLength > MAX_MESSAGE_BYTES) {
        throw new RangeError(`chat message over ${MAX_MESSAGE_BYTES} bytes`)
      }
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
  return new TextDecoder().decode(received.subarray())
}
