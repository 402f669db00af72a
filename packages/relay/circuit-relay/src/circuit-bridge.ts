/**
 * The relay's switch: joins the initiator's hop stream and the target's stop
 * stream, byte for byte and with back-pressure in both directions, and resets
 * both when a direction carries more than `data` bytes or the circuit is older
 * than `duration` ms (relay/circuit-v2.md "Reservation": "the relay should
 * reset the stream to the source and the stream to the destination"). One
 * timer per circuit, none per message.
 */
import type { Logger, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { CircuitLimitError } from './errors.js'
import type { CircuitLimits } from './messages.js'

export interface CircuitBridgeInit {
  limits: CircuitLimits
  log: Logger
  /** called once, when both streams are finished */
  onClose: () => void
}

export class CircuitBridge {
  private timer?: ReturnType<typeof setTimeout>
  private closed = 0
  private finished = false

  constructor(
    private readonly source: Stream,
    private readonly destination: Stream,
    private readonly init: CircuitBridgeInit,
  ) {
    const { duration } = init.limits
    if (duration != null && duration > 0) {
      this.timer = setTimeout(
        () => this.reset(new CircuitLimitError(`the circuit reached its time limit of ${duration} ms`)),
        duration,
      )
    }
    this.pipe(source, destination)
    this.pipe(destination, source)
  }

  /** Ends the circuit by resetting both streams. */
  reset(err: Error): void {
    this.init.log('resetting circuit: %s', err.message)
    this.source.abort(err)
    this.destination.abort(err)
  }

  private pipe(from: Stream, to: Stream): void {
    const limit =
      this.init.limits.data != null && this.init.limits.data > 0n ? this.init.limits.data : undefined
    let sent = 0n
    const onDrain = (): void => {
      try {
        from.resume()
      } catch {
        // the readable end closed meanwhile
      }
    }
    from.addEventListener('message', (evt: StreamMessageEvent) => {
      if (to.writeStatus !== 'writable') return
      const data = evt.data
      if (limit != null) {
        const room = limit - sent
        if (BigInt(data.byteLength) > room) {
          // forward what the limit allows, then end the circuit
          if (room > 0n) to.send(data.subarray(0, Number(room)))
          this.reset(new CircuitLimitError(`the circuit went over its data limit of ${limit} bytes`))
          return
        }
        sent += BigInt(data.byteLength)
      }
      if (!to.send(data)) {
        from.pause()
        to.addEventListener('drain', onDrain, { once: true })
      }
    })
    from.addEventListener('end', () => {
      if (to.writeStatus === 'writable') to.close().catch((err: Error) => to.abort(err))
    })
    from.addEventListener(
      'close',
      (evt: StreamCloseEvent) => {
        if (evt.error != null) to.abort(evt.error)
        this.onStreamClosed()
      },
      { once: true },
    )
  }

  private onStreamClosed(): void {
    this.closed++
    if (this.closed < 2 || this.finished) return
    this.finished = true
    clearTimeout(this.timer)
    this.init.onClose()
  }
}
