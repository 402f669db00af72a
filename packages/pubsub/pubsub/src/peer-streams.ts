/**
 * The streams to one peer: one long-lived outbound stream we write
 * length-prefixed RPCs on, and the inbound streams the peer writes on
 * (pubsub/README.md "The RPC": "a single stream in each direction").
 *
 * Outbound writes never queue without bound: when the stream's write buffer
 * already holds `maxOutboundBufferSize` bytes the RPC is dropped and counted
 * (a slow peer loses messages instead of growing our memory). Inbound bytes
 * go through a `LengthPrefixedDecoder` capped at `maxInboundDataLength`; a
 * longer or malformed frame aborts only that stream.
 */
import type { Logger, PeerId, Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PeerStreamsInit {
  /** largest RPC accepted, in bytes */
  maxInboundDataLength: number
  /** bytes allowed in the outbound stream's write buffer before RPCs are dropped */
  maxOutboundBufferSize: number
  /** inbound streams kept per peer; a newer one aborts the oldest */
  maxInboundStreams: number
  log: Logger
  /** called for every RPC dropped */
  onDrop?: () => void
}

export class PeerStreams {
  readonly key: string
  /** the protocol the peer's streams speak (the outbound one once negotiated) */
  protocol: string
  outbound?: Stream
  /** RPCs dropped because the outbound buffer was full or no stream was open */
  droppedRpcs = 0
  private readonly inbound: Stream[] = []
  private opening = false

  constructor(
    readonly id: PeerId,
    protocol: string,
    private readonly init: PeerStreamsInit,
  ) {
    this.key = id.toString()
    this.protocol = protocol
  }

  get isWritable(): boolean {
    return this.outbound != null && this.outbound.status === 'open'
  }

  /** Claims the right to open the outbound stream; false if one is open or being opened. */
  beginOpen(): boolean {
    if (this.opening || this.isWritable) return false
    this.opening = true
    return true
  }

  endOpen(): void {
    this.opening = false
  }

  /** Sends one framed RPC; false when it was dropped. */
  write(frame: Uint8Array): boolean {
    const stream = this.outbound
    if (stream == null || stream.status !== 'open' || stream.writeStatus !== 'writable') {
      this.dropped()
      return false
    }
    if (stream.writeBufferLength + frame.byteLength > this.init.maxOutboundBufferSize) {
      this.dropped()
      return false
    }
    try {
      stream.send(frame)
      return true
    } catch (err) {
      this.init.log.trace('write to %p failed: %e', this.id, err)
      this.dropped()
      return false
    }
  }

  private dropped(): void {
    this.droppedRpcs++
    this.init.onDrop?.()
  }

  setOutbound(stream: Stream): void {
    const previous = this.outbound
    this.outbound = stream
    this.protocol = stream.protocol
    if (previous != null && previous !== stream)
      previous.abort(new Error('replaced by a newer outbound stream'))
    stream.addEventListener(
      'close',
      () => {
        if (this.outbound === stream) this.outbound = undefined
      },
      { once: true },
    )
  }

  /** Reads RPC frames from `stream` and hands each to `onFrame`. */
  addInbound(stream: Stream, onFrame: (frame: Uint8ArrayList) => void): void {
    this.inbound.push(stream)
    while (this.inbound.length > this.init.maxInboundStreams) {
      this.inbound.shift()?.abort(new Error('replaced by a newer inbound stream'))
    }
    const decoder = new LengthPrefixedDecoder(this.init.maxInboundDataLength)
    stream.addEventListener('message', (evt) => {
      try {
        decoder.push(evt.data)
        for (const frame of decoder.messages()) onFrame(frame)
      } catch (err) {
        this.init.log('inbound stream from %p failed: %e', this.id, err)
        stream.abort(err as Error)
      }
    })
    stream.addEventListener(
      'close',
      () => {
        const index = this.inbound.indexOf(stream)
        if (index !== -1) this.inbound.splice(index, 1)
      },
      { once: true },
    )
  }

  get inboundStreams(): number {
    return this.inbound.length
  }

  close(reason?: Error): void {
    for (const stream of this.inbound.splice(0)) stream.abort(reason ?? new Error('peer removed'))
    const outbound = this.outbound
    this.outbound = undefined
    if (outbound != null) {
      if (reason != null) outbound.abort(reason)
      else outbound.close().catch((err: Error) => outbound.abort(err))
    }
  }
}
