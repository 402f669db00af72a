/**
 * The hostile client's socket: a plain node:net connection to 127.0.0.1 that
 * writes whatever the test says, records every byte it receives and when the
 * host closed it. Write errors (the host reset the connection) are expected
 * and only recorded.
 */
import { connect, type Socket } from 'node:net'
import { deferred, encodeLengthPrefixed } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'

export class RawPeer {
  readonly received = new Uint8ArrayList()
  /** resolves when the socket has closed, for whatever reason */
  readonly closed: Promise<void>
  closedAt?: number
  error?: Error
  /** our port: the remote address the host sees is 127.0.0.1 on this port (0 if never connected) */
  localPort = 0
  private readonly onChange = new Set<() => void>()

  private constructor(readonly socket: Socket) {
    const closed = deferred<void>()
    this.closed = closed.promise
    socket.on('connect', () => {
      // read once: a destroyed socket no longer reports it
      this.localPort = socket.localPort ?? 0
    })
    socket.on('data', (data: Buffer) => {
      this.received.append(data)
      this.notify()
    })
    socket.on('error', (err) => {
      this.error = err
    })
    socket.on('close', () => {
      this.closedAt = Date.now()
      closed.resolve()
      this.notify()
    })
  }

  /**
   * Connects to 127.0.0.1:`port`. Resolves once connected, or once the socket
   * closed first (a host refusing at once may reset it during the connect).
   */
  static async connect(port: number): Promise<RawPeer> {
    const peer = new RawPeer(connect({ host: '127.0.0.1', port }))
    await new Promise<void>((resolve) => {
      peer.socket.once('connect', () => resolve())
      peer.socket.once('close', () => resolve())
    })
    return peer
  }

  get isClosed(): boolean {
    return this.closedAt != null
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes)
  }

  /** Sends FIN: we will write no more. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Waits until `predicate` holds, failing after `ms` or when the socket closes first. */
  async until(predicate: () => boolean, ms: number, what: string): Promise<void> {
    if (predicate()) return
    const done = deferred<void>()
    const check = (): void => {
      if (predicate()) done.resolve()
      else if (this.isClosed) done.reject(new Error(`the host closed the socket before ${what}`))
    }
    const timer = setTimeout(() => done.reject(new Error(`no ${what} within ${ms} ms`)), ms)
    this.onChange.add(check)
    try {
      await done.promise
    } finally {
      clearTimeout(timer)
      this.onChange.delete(check)
    }
  }

  /** Resolves once the host has closed the socket; fails after `ms`. */
  async waitClosed(ms: number): Promise<void> {
    if (this.isClosed) return
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the host kept the socket open for ${ms} ms`)), ms)
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  private notify(): void {
    for (const check of [...this.onChange]) check()
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** One multistream-select message: varint length, the text, a newline. */
export function msMessage(text: string): Uint8Array {
  return encodeLengthPrefixed(encoder.encode(`${text}\n`))
}

/** The multistream-select messages complete in `bytes` (text without the newline). */
export function msMessages(bytes: Uint8ArrayList): string[] {
  const out: string[] = []
  let offset = 0
  while (offset < bytes.byteLength) {
    const length = bytes.get(offset)
    // every answer a host sends us is shorter than 128 bytes: a one-byte prefix
    if (length >= 0x80 || offset + 1 + length > bytes.byteLength) break
    out.push(decoder.decode(bytes.subarray(offset + 1, offset + length)))
    offset += 1 + length
  }
  return out
}
