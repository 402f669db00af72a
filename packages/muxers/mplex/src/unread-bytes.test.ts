import { describe, expect, it } from 'vitest'
import { type BufferingStream, UnreadBytes } from './unread-bytes.js'

function fakeStream(
  readBufferLength: number,
): BufferingStream & { aborted?: Error; readBufferLength: number } {
  const stream = {
    readBufferLength,
    status: 'open',
    aborted: undefined as Error | undefined,
    abort(err: Error) {
      stream.aborted = err
      stream.status = 'aborted'
      stream.readBufferLength = 0
    },
  }
  return stream
}

describe('UnreadBytes', () => {
  it('resets the stream holding the most once the sum passes the limit', () => {
    const unread = new UnreadBytes(1000, 100)
    const small = fakeStream(300)
    const large = fakeStream(600)
    unread.received(small, 300)
    unread.received(large, 600)
    expect(large.aborted).toBeUndefined()
    large.readBufferLength = 800
    unread.received(large, 200)
    expect(large.aborted?.name).toBe('StreamBufferError')
    expect(small.aborted).toBeUndefined()
  })

  it('ignores streams that read what they receive', () => {
    const unread = new UnreadBytes(10, 1)
    const reader = fakeStream(0)
    for (let i = 0; i < 100; i++) unread.received(reader, 1000)
    expect(reader.aborted).toBeUndefined()
  })

  it('forgets streams that closed', () => {
    const unread = new UnreadBytes(1000, 1)
    const gone = fakeStream(900)
    unread.received(gone, 900)
    unread.forget(gone)
    const other = fakeStream(500)
    unread.received(other, 500)
    expect(other.aborted).toBeUndefined()
  })
})
