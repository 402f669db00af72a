/** The relay answers malformed or unexpected hop requests with a status, and only that stream ends. */
import { encodeLengthPrefixed, StreamReader } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { HOP_PROTOCOL, HopMessage, STOP_PROTOCOL, Status, StopMessage } from '../src/index.js'
import { readHop, readStop, writeHop, writeStop } from '../src/messages.js'
import { circuitAddressOf, clientHost, relayHost, stopAll, until } from './nodes.js'

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

describe('the stop handler against a circuit over a circuit', () => {
  it('refuses a STOP that arrives over a relayed connection (no relaying over a relay)', async () => {
    // a relay that announces no limit makes relayed connections that are not `limited`,
    // so the registrar alone does not keep the stop protocol off them
    const relay = await relayHost({ durationLimit: 0, dataLimit: 0n })
    const listener = await clientHost([`${relay.getMultiaddrs()[0]}/p2p-circuit`])
    const dialer = await clientHost()
    const relayed = await dialer.dial(circuitAddressOf(listener))
    expect(relayed.direct).toBe(false)
    await until(() => listener.getConnections(dialer.peerId).length === 1)
    const stream = await relayed.newStream(STOP_PROTOCOL, { runOnLimitedConnection: true })
    await writeStop(stream, {
      type: StopMessage.Type.CONNECT,
      peer: { id: dialer.peerId.toMultihash().bytes, addrs: [] },
    })
    const answer = await readStop(new StreamReader(stream), { signal: AbortSignal.timeout(5_000) })
    expect(answer).toMatchObject({ type: StopMessage.Type.STATUS, status: Status.PERMISSION_DENIED })
    // no nested circuit was upgraded, and the relayed connection itself is untouched
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(listener.getConnections(dialer.peerId).length).toBe(1)
    expect(relayed.status).toBe('open')
  })
})
