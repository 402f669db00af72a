import { encodeLengthPrefixed, StreamReader, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { HolePunch } from './holepunch.pb.js'
import { readHolePunch, writeHolePunch } from './messages.js'

describe('HolePunch messages', () => {
  it('round-trip with their addresses', async () => {
    const [a, b] = streamPair()
    await writeHolePunch(a, { type: HolePunch.Type.CONNECT, ObsAddrs: [new Uint8Array([4, 1, 2, 3, 4])] })
    const message = await readHolePunch(new StreamReader(b), HolePunch.Type.CONNECT)
    expect(message.ObsAddrs).toEqual([new Uint8Array([4, 1, 2, 3, 4])])
  })

  it('refuse the wrong type, garbage and messages over 4 KiB', async () => {
    const [a, b] = streamPair()
    const reader = new StreamReader(b)
    await writeHolePunch(a, { type: HolePunch.Type.SYNC, ObsAddrs: [] })
    await expect(readHolePunch(reader, HolePunch.Type.CONNECT)).rejects.toMatchObject({
      name: 'UnexpectedHolePunchMessageError',
    })
    a.send(encodeLengthPrefixed(new Uint8Array([0x12, 0x7f])))
    await expect(readHolePunch(reader, HolePunch.Type.CONNECT)).rejects.toMatchObject({
      name: 'InvalidMessageError',
    })
    a.send(encodeLengthPrefixed(new Uint8Array(4097)))
    await expect(readHolePunch(reader, HolePunch.Type.CONNECT)).rejects.toMatchObject({
      name: 'MessageTooLargeError',
    })
  })
})
