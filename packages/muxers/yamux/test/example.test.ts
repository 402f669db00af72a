/** The README example, run as written (output collected instead of printed). */
import { streamPair } from '@weft/utils'
import { expect, it } from 'vitest'
import { yamux } from '../src/index.js'

it('runs the README example', async () => {
  const output: string[] = []
  const log = (...parts: unknown[]): void => {
    output.push(parts.join(' '))
  }

  const [outbound, inbound] = streamPair()
  const factory = yamux()()
  const client = factory.createStreamMuxer(outbound)
  const server = factory.createStreamMuxer(inbound)

  server.addEventListener('stream', ({ detail: stream }) => {
    stream.addEventListener('message', (evt) => stream.send(evt.data))
    stream.addEventListener('end', () => void stream.close())
  })

  const stream = await client.createStream()
  stream.send(new TextEncoder().encode('hello yamux'))
  await stream.close()
  for await (const chunk of stream) log(new TextDecoder().decode(chunk.subarray()))

  log('rtt', await client.ping(), 'ms')
  await client.close()

  expect(output[0]).toBe('hello yamux')
  expect(output[1]).toMatch(/^rtt \d+(\.\d+)? ms$/)
  server.abort(new Error('done'))
})
