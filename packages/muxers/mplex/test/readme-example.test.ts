import { streamPair } from '@weft/utils'
import { expect, it } from 'vitest'
import { mplex } from '../src/index.js'

it('the README example runs', async () => {
  const [dialerConnection, listenerConnection] = streamPair()
  const factory = mplex()()
  const dialer = factory.createStreamMuxer(dialerConnection)
  const listener = factory.createStreamMuxer(listenerConnection)

  listener.addEventListener('stream', ({ detail: stream }) => {
    stream.addEventListener('message', (evt) => stream.send(evt.data))
    stream.addEventListener('remoteCloseWrite', () => void stream.close())
  })

  const stream = await dialer.createStream()
  const reply: Uint8Array[] = []
  stream.addEventListener('message', (evt) => reply.push(evt.data.subarray()))
  stream.send(new TextEncoder().encode('hello mplex'))
  await stream.close()
  await new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }))
  expect(new TextDecoder().decode(Buffer.concat(reply))).toBe('hello mplex')
})
