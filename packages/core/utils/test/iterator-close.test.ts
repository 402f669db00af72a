import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { AbstractStream, logger, type SendResult } from '../src/index.js'

/** A stream whose remote is driven by hand, to order events exactly. */
class ManualStream extends AbstractStream {
  constructor() {
    super({ id: 'manual', log: logger('weft:test:manual') })
  }
  protected sendData(data: Uint8ArrayList): SendResult {
    return { sentBytes: data.byteLength, canSendMore: true }
  }
  protected sendReset(): void {}
  protected sendCloseWrite(): void {}
  protected sendCloseRead(): void {}
  remoteClosesWrite(): void {
    this.onRemoteCloseWrite()
  }
}

describe('for await and a clean close', () => {
  it('yields bytes handed back with unshift() in the tick the stream closes', async () => {
    const stream = new ManualStream()
    const received = new Uint8ArrayList()
    const reading = (async () => {
      for await (const chunk of stream) received.append(chunk)
    })()
    await stream.close()
    // a negotiation listener hands the payload back, and the remote's close
    // arrives in the same tick, before the unshifted bytes were dispatched
    stream.unshift(Uint8Array.of(7, 8, 9))
    stream.remoteClosesWrite()
    expect(stream.status).toBe('closed')
    await reading
    expect(received.subarray()).toEqual(Uint8Array.of(7, 8, 9))
  })
})
