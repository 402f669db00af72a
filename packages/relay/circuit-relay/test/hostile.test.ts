/** The relay answers malformed or unexpected hop requests with a status, and only that stream ends. */
import { encodeLengthPrefixed, StreamReader } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { HOP_PROTOCOL, HopMessage, Status } from '../src/index.js'
import { readHop, writeHop } from '../src/messages.js'
import { clientHost, relayHost, stopAll } from './nodes.js'

afterEach(stopAll)

async function ask(send: (stream: import('@libp2p/interface').Stream) => Promise<void>): Promise<HopMessage> {
  const relay = await relayHost()
  const client = await clientHost()
  const connection = await client.dial(relay.getMultiaddrs()[0]!)
  const stream = await connection.newStream(HOP_PROTOCOL)
  await send(stream)
  const answer = await readHop(new StreamReader(stream), { signal: AbortSignal.timeout(5_000) })
  // the connection survives for other streams
  expect(connection.status).toBe('open')
  return answer
}

describe('the relay against hostile hop requests', () => {
  it('answers garbage with MALFORMED_MESSAGE', async () => {
    const answer = await ask(async (stream) => {
      stream.send(encodeLengthPrefixed(new Uint8Array([0x0a, 0xff, 0xff])))
    })
    expect(answer).toMatchObject({ type: HopMessage.Type.STATUS, status: Status.MALFORMED_MESSAGE })
  })

  it('answers a CONNECT without a valid peer id with MALFORMED_MESSAGE', async () => {
    const answer = await ask(async (stream) => {
      await writeHop(stream, {
        type: HopMessage.Type.CONNECT,
        peer: { id: new Uint8Array([1, 2, 3]), addrs: [] },
      })
    })
    expect(answer.status).toBe(Status.MALFORMED_MESSAGE)
  })

  it('answers a STATUS message with UNEXPECTED_MESSAGE', async () => {
    const answer = await ask(async (stream) => {
      await writeHop(stream, { type: HopMessage.Type.STATUS, status: Status.OK })
    })
    expect(answer.status).toBe(Status.UNEXPECTED_MESSAGE)
  })

  it('resets a stream that announces an oversized message', async () => {
    const relay = await relayHost()
    const client = await clientHost()
    const connection = await client.dial(relay.getMultiaddrs()[0]!)
    const stream = await connection.newStream(HOP_PROTOCOL)
    stream.send(encodeLengthPrefixed(new Uint8Array(10_000)))
    await expect(readHop(new StreamReader(stream), { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    expect(connection.status).toBe('open')
  })
})
