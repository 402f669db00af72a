import { describe, expect, it } from 'vitest'
import { AbstractStream, logger, type SendResult, StreamReader } from '../src/index.js'

/** A stream whose remote is the test: deliveries happen synchronously. */
class HandDrivenStream extends AbstractStream {
  constructor() {
    super({ id: 'hand-driven', log: logger('weft:test:hand-driven') })
  }
  receiveCloseWrite(): void {
    this.onRemoteCloseWrite()
  }
  receiveData(data: Uint8Array): void {
    this.onData(data)
  }
  receiveReset(): void {
    this.onRemoteReset()
  }
  protected sendData(): SendResult {
    return { sentBytes: 0, canSendMore: true }
  }
  protected sendReset(): void {}
  protected sendCloseWrite(): void {}
  protected sendCloseRead(): void {}
}

describe('StreamReader', () => {
  it('reads bytes put back with unshift even when the remote closes right after', async () => {
    const stream = new HandDrivenStream()
    const reader = new StreamReader(stream)
    stream.unshift(Uint8Array.of(1, 2, 3))
    stream.receiveCloseWrite()
    expect((await reader.readExact(3)).subarray()).toEqual(Uint8Array.of(1, 2, 3))
    expect(await reader.read()).toBeUndefined()
  })

  it('ends on remoteCloseWrite when nothing is buffered', async () => {
    const stream = new HandDrivenStream()
    const reader = new StreamReader(stream)
    stream.receiveCloseWrite()
    await expect(reader.readExact(1)).rejects.toMatchObject({ name: 'UnexpectedEOFError' })
  })

  it('reports a reset that happened before the reader was made, not a clean end', async () => {
    // a protocol reads the answer only after negotiating; the remote may reset in between
    const stream = new HandDrivenStream()
    stream.receiveReset()
    const reader = new StreamReader(stream)
    await expect(reader.read()).rejects.toMatchObject({ name: 'StreamResetError' })
    await expect(reader.readExact(1)).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('delivers bytes that arrived before a reset, then reports the reset', async () => {
    const stream = new HandDrivenStream()
    stream.receiveData(Uint8Array.of(7, 8))
    stream.receiveReset()
    const reader = new StreamReader(stream)
    expect((await reader.readExact(2)).subarray()).toEqual(Uint8Array.of(7, 8))
    await expect(reader.read()).rejects.toMatchObject({ name: 'StreamResetError' })
  })

  it('still ends cleanly when the remote closed without a reset', async () => {
    const stream = new HandDrivenStream()
    stream.receiveData(Uint8Array.of(1))
    stream.receiveCloseWrite()
    const reader = new StreamReader(stream)
    expect((await reader.readExact(1)).subarray()).toEqual(Uint8Array.of(1))
    expect(await reader.read()).toBeUndefined()
  })
})
