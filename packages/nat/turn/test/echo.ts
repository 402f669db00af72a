/** The 4 MiB echo both the loopback test and the lab run over a libp2p connection. */
import type { Connection, Stream } from '@libp2p/interface'

export const ECHO = '/weft/test/echo/1.0.0'

export async function echo(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) if (!stream.send(chunk)) await stream.onDrain()
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** Sends `size` patterned bytes and reports whether exactly they came back. */
export async function echoThrough(connection: Connection, size: number): Promise<boolean> {
  const stream = await connection.newStream(ECHO)
  const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
  let received = 0
  let same = true
  const reading = (async () => {
    for await (const chunk of stream) {
      const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] !== data[received + i]) same = false
      received += bytes.byteLength
    }
  })()
  for (let offset = 0; offset < size; offset += 64 * 1024)
    if (!stream.send(data.subarray(offset, offset + 64 * 1024))) await stream.onDrain()
  await stream.close()
  await reading
  return same && received === size
}
