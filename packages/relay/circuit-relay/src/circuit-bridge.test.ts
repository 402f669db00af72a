import { defaultLogger, StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { CircuitBridge } from './circuit-bridge.js'

const log = defaultLogger().forComponent('test:bridge')

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function circuit(limits: { duration?: number; data?: bigint }) {
  const [source, relaySource] = streamPair()
  const [relayTarget, target] = streamPair()
  let closed = 0
  const bridge = new CircuitBridge(relaySource, relayTarget, { limits, log, onClose: () => closed++ })
  return { source, target, bridge, closed: () => closed }
}

describe('CircuitBridge', () => {
  it('carries bytes both ways and passes half-close on', async () => {
    const { source, target, closed } = circuit({})
    source.send(new Uint8Array([1, 2, 3]))
    expect((await new StreamReader(target).readExact(3)).subarray()).toEqual(new Uint8Array([1, 2, 3]))
    target.send(new Uint8Array([4]))
    const back = new StreamReader(source)
    expect((await back.readExact(1)).subarray()).toEqual(new Uint8Array([4]))
    await source.close()
    await target.close()
    await until(() => closed() === 1)
  })

  it('forwards up to the data limit, then resets both sides', async () => {
    const { source, target, closed } = circuit({ data: 4n })
    const reader = new StreamReader(target)
    source.send(new Uint8Array([1, 2, 3, 4, 5, 6]))
    await expect(reader.readExact(6)).rejects.toThrow()
    await until(() => closed() === 1)
    // the resets reach the far ends asynchronously
    await until(() => source.status !== 'open' && target.status !== 'open')
  })

  it('resets both sides when the time limit passes', async () => {
    const { source, target, closed } = circuit({ duration: 30 })
    await until(() => closed() === 1)
    // the resets reach the far ends asynchronously
    await until(() => source.status !== 'open' && target.status !== 'open')
  })
})
