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
})
