/**
 * The inbound half of a yamux session: decodes the frames the connection
 * delivers and routes each one. Window Updates and Data go to their stream
 * (a SYN opens it through the muxer, any frame counts as the remote's ACK),
 * Pings are answered or matched to ours, GoAway goes to the muxer. Data
 * payloads are batched per stream (see data-batch.ts).
 */
import type { Logger } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { DataBatch } from './data-batch.js'
import { FrameDecoder } from './decoder.js'
import { InvalidFrameError } from './errors.js'
import { describeHeader, Flag, type FrameHeader, FrameType } from './frame.js'
import type { FrameWriter } from './frame-writer.js'
import type { PingTracker } from './ping.js'
import type { YamuxStream } from './stream.js'
import type { StreamTable } from './stream-table.js'

/** What the reader asks of the session. */
export interface FrameReaderHooks {
  /** The remote opened stream `id` (SYN): the new stream, or undefined when it was refused. Throws on a violation. */
  acceptStream(id: number): YamuxStream | undefined
  /** The remote sent GoAway with `code`. */
  onGoAway(code: number): void
  /** Whether the session ended (reading stops at once). */
  isEnded(): boolean
}

export interface FrameReaderInit {
  table: StreamTable
  pings: PingTracker
  writer: FrameWriter
  log: Logger
  hooks: FrameReaderHooks
}

export class FrameReader {
  private readonly table: StreamTable
  private readonly pings: PingTracker
  private readonly writer: FrameWriter
  private readonly log: Logger
  private readonly hooks: FrameReaderHooks
  private readonly decoder: FrameDecoder
  /** the stream whose Data frame payload is being received */
  private dataTarget?: YamuxStream
  private readonly batch = new DataBatch()

  constructor(init: FrameReaderInit) {
    this.table = init.table
    this.pings = init.pings
    this.writer = init.writer
    this.log = init.log
    this.hooks = init.hooks
    this.decoder = new FrameDecoder({
      onFrame: (header) => this.handleFrame(header),
      onDataStart: (header) => this.handleDataStart(header),
      onData: (chunk) => {
        if (this.dataTarget != null) this.batch.add(this.dataTarget, chunk)
      },
      onDataEnd: (header) => this.handleDataEnd(header),
    })
  }

  /** Whether the bytes read so far end inside a frame. */
  get insideFrame(): boolean {
    return this.decoder.insideFrame
  }

  /** Decodes what the connection delivered and hands the payloads on; throws on a protocol violation. */
  read(data: Uint8Array | Uint8ArrayList): void {
    if (data instanceof Uint8Array) {
      this.decoder.push(data)
    } else {
      for (const chunk of data) {
        this.decoder.push(chunk)
        if (this.hooks.isEnded()) break
      }
    }
    this.batch.deliver()
  }

  /** Reads nothing more and drops payloads not yet delivered. */
  stop(): void {
    this.decoder.stop()
    this.dataTarget = undefined
    this.batch.clear()
  }

  private handleFrame(header: FrameHeader): void {
    if (this.log.enabled) this.log.trace('received %s', describeHeader(header))
    this.batch.deliver()
    if (header.type === FrameType.WindowUpdate) {
      const stream = this.streamFor(header)
      if (stream == null) return
      stream.receiveWindowUpdate(header.length)
      stream.receiveEndFlags(header.flags)
    } else if (header.type === FrameType.Ping) {
      if ((header.flags & Flag.SYN) !== 0) {
        this.writer.control(FrameType.Ping, Flag.ACK, 0, header.length)
      } else if ((header.flags & Flag.ACK) !== 0 && !this.pings.onAck(header.length)) {
        this.log('ignoring a ping answer %d we did not ask for', header.length)
      }
    } else {
      this.hooks.onGoAway(header.length)
    }
  }

  private handleDataStart(header: FrameHeader): void {
    if (this.log.enabled) this.log.trace('received %s', describeHeader(header))
    this.batch.deliverUnlessFor(header.streamId)
    const stream = this.streamFor(header)
    stream?.receiveDataStart(header.length)
    this.dataTarget = stream
  }

  private handleDataEnd(header: FrameHeader): void {
    const stream = this.dataTarget
    this.dataTarget = undefined
    if (stream == null || (header.flags & (Flag.FIN | Flag.RST)) === 0) return
    this.batch.deliver()
    stream.receiveEndFlags(header.flags)
  }

  /** The stream a Data or Window Update frame is for; opens it on SYN, records ACK. */
  private streamFor(header: FrameHeader): YamuxStream | undefined {
    const id = header.streamId
    if (id === 0)
      throw new InvalidFrameError(`${describeHeader(header)}: stream frames may not use stream id 0`)
    if ((header.flags & Flag.SYN) !== 0) return this.hooks.acceptStream(id)
    const stream = this.table.get(id)
    // ACK is expected, but any frame from the remote on the stream shows it was accepted
    if (stream != null) this.table.acknowledge(stream)
    return stream
  }
}
