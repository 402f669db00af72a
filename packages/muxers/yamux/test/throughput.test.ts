/** Sanity, not a benchmark: large transfers complete and arrive intact (no timed assertions). */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { muxerPair, pattern } from './helpers.js'

const MiB = 1024 * 1024

describe('yamux throughput sanity', () => {
  it('moves 64 MiB through one stream intact', async () => {
    const { client, server } = muxerPair({}, { capacity: 1 * MiB })
    const received = new Promise<{ bytes: number; digest: string }>((resolve) => {
      server.addEventListener('stream', ({ detail: stream }) => {
        const hash = createHash('sha256')
        let bytes = 0
        stream.addEventListener('message', (evt) => {
          for (const chunk of evt.data instanceof Uint8Array ? [evt.data] : evt.data) hash.update(chunk)
          bytes += evt.data.byteLength
        })
        stream.addEventListener('end', () => resolve({ bytes, digest: hash.digest('hex') }))
      })
    })
    const block = pattern(MiB, 42)
    const expected = createHash('sha256')
    const stream = await client.createStream()
    for (let i = 0; i < 64; i++) {
      expected.update(block)
      // one 1 MiB block at a time, never more than the window ahead
      if (!stream.send(block)) await stream.onDrain()
    }
    await stream.close()
    const result = await received
    expect(result.bytes).toBe(64 * MiB)
    expect(result.digest).toBe(expected.digest('hex'))
    client.abort(new Error('done'))
  })

  it('moves 64 MiB spread over 16 concurrent streams', async () => {
    const { client, server } = muxerPair({}, { capacity: 1 * MiB })
    let total = 0
    server.addEventListener('stream', ({ detail: stream }) => {
      stream.addEventListener('message', (evt) => {
        total += evt.data.byteLength
      })
      stream.addEventListener('end', () => void stream.close())
    })
    const block = new Uint8Array(256 * 1024)
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const stream = await client.createStream()
        const done = new Promise((resolve) => stream.addEventListener('close', resolve))
        for (let sent = 0; sent < 4 * MiB; sent += block.byteLength) {
          if (!stream.send(block)) await stream.onDrain()
        }
        await stream.close()
        await done
      }),
    )
    expect(total).toBe(64 * MiB)
    client.abort(new Error('done'))
  })
})
