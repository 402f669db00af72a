/**
 * The wire format and bookkeeping of `/perf/1.0.0` (libp2p/specs perf/perf.md,
 * "Protocol"): the client first sends how many bytes it wants back as one
 * big-endian uint64, then uploads any number of bytes and closes its write
 * side; the server then sends the requested bytes and closes. Pure code: no
 * streams, no clocks (callers pass the time in).
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { RequestTooLargeError } from './errors.js'

export const PROTOCOL_NAME = '/perf/1.0.0'
/** "a single big-endian uint64 number" (perf.md, Protocol, client step 2) */
export const HEADER_LENGTH = 8

/** What a measurement reports, in the shape of js-libp2p's `PerfOutput`. */
export interface PerfOutput {
  /**
   * `connection`: the connection is open (timeSeconds = time to open it);
   * `stream`: the perf stream is open (timeSeconds = time to open it);
   * `intermediary`: progress (timeSeconds and bytes since the previous report);
   * `final`: done (timeSeconds and bytes of the whole measurement).
   */
  type: 'intermediary' | 'connection' | 'stream' | 'final'
  timeSeconds: number
  uploadBytes: number
  downloadBytes: number
}

/** The 8-byte request header for `bytes` (a non-negative safe integer). */
export function encodeRequest(bytes: number): Uint8Array {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`expected a non-negative safe integer byte count, got ${bytes}`)
  }
  const header = new Uint8Array(HEADER_LENGTH)
  new DataView(header.buffer).setBigUint64(0, BigInt(bytes), false)
  return header
}

/** Reads the request from an 8-byte header; every uint64 is valid on the wire. */
export function decodeRequest(header: Uint8Array): bigint {
  if (header.byteLength !== HEADER_LENGTH) {
    throw new RangeError(`expected a ${HEADER_LENGTH}-byte header, got ${header.byteLength} bytes`)
  }
  return new DataView(header.buffer, header.byteOffset, HEADER_LENGTH).getBigUint64(0, false)
}

/**
 * The server's view of an inbound perf stream: the header, then upload bytes
 * that are only counted. Only the (at most 8) header bytes are ever copied.
 */
export class RequestParser {
  /** bytes uploaded after the header */
  uploadBytes = 0
  /** the requested byte count, once the header is complete and within the limit */
  requested?: number
  private readonly header = new Uint8Array(HEADER_LENGTH)
  private headerLength = 0

  constructor(private readonly maxRequestBytes: number) {
    if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes < 0) {
      throw new RangeError(`maxRequestBytes must be a non-negative safe integer, got ${maxRequestBytes}`)
    }
  }

  get headerComplete(): boolean {
    return this.headerLength === HEADER_LENGTH
  }

  /** bytes of the header received so far */
  get headerBytes(): number {
    return this.headerLength
  }

  /** Takes the next chunk; throws RequestTooLargeError once a header over the limit is complete. */
  feed(chunk: Uint8Array | Uint8ArrayList): void {
    let length = chunk.byteLength
    if (this.headerLength < HEADER_LENGTH && length > 0) {
      const take = Math.min(HEADER_LENGTH - this.headerLength, length)
      this.header.set(chunk.subarray(0, take), this.headerLength)
      this.headerLength += take
      length -= take
      if (this.headerLength === HEADER_LENGTH) {
        const requested = decodeRequest(this.header)
        if (requested > BigInt(this.maxRequestBytes))
          throw new RequestTooLargeError(requested, this.maxRequestBytes)
        this.requested = Number(requested)
      }
    }
    this.uploadBytes += length
  }
}

/**
 * Decides when an `intermediary` report is due (every `intervalMs`) and what
 * it says: the time and bytes since the previous report.
 */
export class ProgressClock {
  private lastTime: number
  private lastUpload = 0
  private lastDownload = 0

  constructor(
    start: number,
    private readonly intervalMs: number,
  ) {
    this.lastTime = start
  }

  due(now: number): boolean {
    return now - this.lastTime >= this.intervalMs
  }

  /** The report for the interval ending `now`; the next interval starts there. */
  report(now: number, uploadBytes: number, downloadBytes: number): PerfOutput {
    const output: PerfOutput = {
      type: 'intermediary',
      timeSeconds: (now - this.lastTime) / 1000,
      uploadBytes: uploadBytes - this.lastUpload,
      downloadBytes: downloadBytes - this.lastDownload,
    }
    this.lastTime = now
    this.lastUpload = uploadBytes
    this.lastDownload = downloadBytes
    return output
  }
}
