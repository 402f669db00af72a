/**
 * The listener side of ping (libp2p/specs ping/ping.md, "Protocol"): echo
 * every whole 32-byte payload until the dialer closes its writable end, then
 * close ours. A trailing partial payload is dropped, not echoed.
 *
 * Event driven (no read loop, no timer per payload): one idle timer per
 * stream that re-arms itself from the time of the last payload, and reading
 * pauses while the echo waits for the stream to drain.
 */
import { type Logger, type Stream, type StreamMessageEvent, TimeoutError } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

export const PING_LENGTH = 32

export interface EchoInit {
  /** milliseconds without a payload before the stream is reset */
  idleTimeout: number
  log: Logger
  /** called once, when the stream is over for any reason */
  onDone?: () => void
}

/** Echoes ping payloads on `stream` until it ends, stalls or is aborted. */
export function echoPings(stream: Stream, init: EchoInit): void {
  const { idleTimeout, log } = init
  const pending = new Uint8ArrayList()
  let lastActivity = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  let done = false

  const finish = (): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    timer = undefined
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', finish)
    init.onDone?.()
  }

  const fail = (err: Error): void => {
    log('ping stream %s failed: %s', stream.id, err.message)
    stream.abort(err)
    finish()
  }

  const onIdleTimer = (): void => {
    const idle = Date.now() - lastActivity
    if (idle >= idleTimeout) {
      fail(new TimeoutError(`ping stream idle for ${idle} ms, over the limit of ${idleTimeout} ms`))
      return
    }
    timer = setTimeout(onIdleTimer, idleTimeout - idle)
  }

  const onMessage = (evt: StreamMessageEvent): void => {
    lastActivity = Date.now()
    pending.append(evt.data)
    const whole = pending.byteLength - (pending.byteLength % PING_LENGTH)
    if (whole === 0) return
    const echo = pending.sublist(0, whole)
    pending.consume(whole)
    try {
      if (stream.send(echo)) return
      // stop reading until the echo has gone out: the dialer cannot make us buffer without end
      stream.pause()
      stream.onDrain().then(
        () => {
          if (!done && stream.readStatus === 'paused') stream.resume()
        },
        () => {},
      )
    } catch (err) {
      fail(err as Error)
    }
  }

  const onEnd = (): void => {
    // the dialer is done; a partial payload (fewer than 32 bytes) is dropped
    if (pending.byteLength > 0) log.trace('dropping %d trailing ping bytes', pending.byteLength)
    stream.close().then(finish, (err: Error) => fail(err))
  }

  if (stream.status !== 'open') {
    finish()
    return
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', finish)
  timer = setTimeout(onIdleTimer, idleTimeout)
  if (stream.readableEnded) onEnd()
}
