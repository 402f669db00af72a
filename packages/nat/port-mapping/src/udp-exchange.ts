/**
 * One request/answer exchange with a gateway over UDP, retransmitted on a
 * schedule (NAT-PMP §3.1, PCP §8.1.1). The socket is connected, so only the
 * gateway's own address and port reach it; datagrams over `maxBytes` and
 * anything `accept` ignores are dropped, at most `maxPackets` are looked at.
 * `accept` returns the answer, undefined to ignore a packet, or throws: a
 * typed protocol error ends the exchange, an `InvalidResponseError` is kept
 * (a stray bad packet must not hide the good answer that may follow) and
 * reported only if nothing better arrives.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIP } from 'node:net'
import { GatewayNotFoundError, GatewayTimeoutError, InvalidResponseError } from './errors.js'

export interface ExchangeInit<T> {
  gateway: string
  port: number
  request: Uint8Array
  /** wait before each retransmission and after the last try, ms */
  delays: readonly number[]
  accept: (packet: Uint8Array) => T | undefined
  /** bytes of an answer (default 1 100, PCP's maximum) */
  maxBytes?: number
  /** answers looked at (default 64) */
  maxPackets?: number
  signal?: AbortSignal
}

export async function exchange<T>(init: ExchangeInit<T>): Promise<T> {
  init.signal?.throwIfAborted()
  const socket = createSocket(isIP(init.gateway) === 6 ? 'udp6' : 'udp4')
  return new Promise<T>((resolve, reject) => {
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let invalid: InvalidResponseError | undefined
    let packets = 0
    let attempt = 0
    const finish = (err: Error | undefined, value?: T): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      init.signal?.removeEventListener('abort', onAbort)
      socket.close()
      if (err != null) reject(err)
      else resolve(value as T)
    }
    const onAbort = (): void => finish(init.signal!.reason as Error)
    init.signal?.addEventListener('abort', onAbort, { once: true })
    const send = (): void => {
      if (done) return
      if (attempt >= init.delays.length) {
        finish(
          invalid ??
            new GatewayTimeoutError(
              `${init.gateway}:${init.port} did not answer ${init.delays.length} tries`,
            ),
        )
        return
      }
      const delay = init.delays[attempt++]!
      socket.send(init.request, (err) => {
        if (err != null) finish(err)
      })
      timer = setTimeout(send, delay)
    }
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        err.code === 'ECONNREFUSED'
          ? new GatewayNotFoundError(
              `${init.gateway}:${init.port} refused the request (nothing listens there)`,
            )
          : err,
      ),
    )
    socket.on('message', (packet: Buffer) => {
      if (done || ++packets > (init.maxPackets ?? 64)) return
      if (packet.byteLength > (init.maxBytes ?? 1_100)) return
      let value: T | undefined
      try {
        value = init.accept(new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength))
      } catch (err) {
        if (err instanceof InvalidResponseError) {
          invalid = err
          return
        }
        finish(err as Error)
        return
      }
      if (value !== undefined) finish(undefined, value)
    })
    socket.connect(init.port, init.gateway, () => send())
  })
}

/** The local address the system would use to reach `remote` (no packet is sent). */
export async function localAddressFor(remote: string, port = 9): Promise<string> {
  const socket: Socket = createSocket(isIP(remote) === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(port, remote, () => resolve())
    })
    return socket.address().address
  } finally {
    socket.close()
  }
}
