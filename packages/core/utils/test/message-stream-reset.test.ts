import { type StreamCloseEvent, StreamResetError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { AbstractMessageStream, logger, type SendResult } from '../src/index.js'

/** A stream whose remote can only reset it. */
class ResettableStream extends AbstractMessageStream {
  protected sendData(data: { byteLength: number }): SendResult {
    return { sentBytes: data.byteLength, canSendMore: true }
  }
  protected sendReset(): void {}
  async close(): Promise<void> {}
  remoteReset(err?: Error): void {
    this.onRemoteReset(err)
  }
}

function closed(stream: AbstractMessageStream): Promise<StreamCloseEvent> {
  return new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }))
}

describe('onRemoteReset', () => {
  it('closes with a StreamResetError by default', async () => {
    const stream = new ResettableStream({ log: logger('test:reset') })
    const event = closed(stream)
    stream.remoteReset()
    const { error } = await event
    expect(stream.status).toBe('reset')
    expect(error).toBeInstanceOf(StreamResetError)
    expect(error?.message).toBe('the remote reset the stream')
  })

  it('closes with the error the subclass gives', async () => {
    const stream = new ResettableStream({ log: logger('test:reset') })
    const event = closed(stream)
    const given = new StreamResetError('closed with WebSocket code 1006')
    stream.remoteReset(given)
    expect((await event).error).toBe(given)
    expect(stream.status).toBe('reset')
  })
})
