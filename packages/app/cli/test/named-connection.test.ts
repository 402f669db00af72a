/**
 * A named connection queues frames until a tunnel attaches; a frame that was
 * waiting for queue space when the tunnel attached must reach the tunnel too,
 * in order (it once stayed in the queue, and a 64 MiB tunnel hung short).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { MAX_FRAME, MAX_QUEUED_BYTES, NamedConnection } from '../src/daemon/named-connection.js'

function fakeStream(): Stream {
  return {
    addEventListener: () => {},
    close: async () => {},
    abort: () => {},
  } as unknown as Stream
}

describe('NamedConnection', () => {
  it('hands a tunnel every frame, including the one waiting for queue space, in order', async () => {
    const total = MAX_QUEUED_BYTES / MAX_FRAME + 16
    let produced = 0
    async function* frames(): AsyncGenerator<Uint8ArrayList> {
      for (let index = 0; index < total; index++) {
        const frame = new Uint8Array(MAX_FRAME)
        new DataView(frame.buffer).setUint32(0, index)
        produced++
        yield new Uint8ArrayList(frame)
      }
    }
    const named = new NamedConnection(
      'pipe',
      {} as Connection,
      fakeStream(),
      () => {},
      () => {},
    )
    const running = named.run(frames())
    // the queue fills, and the next frame waits for space
    while (produced < MAX_QUEUED_BYTES / MAX_FRAME + 1) await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(named.queued).toBe(MAX_QUEUED_BYTES / MAX_FRAME)
    const received: number[] = []
    let ended = false
    named.attach({
      write: (bytes) => {
        received.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0))
        return true
      },
      drained: async () => {},
      end: () => {
        ended = true
      },
    })
    await running
    expect(received).toEqual(Array.from({ length: total }, (_, index) => index))
    expect(named.queued).toBe(0)
    expect(ended).toBe(true)
  })
})
