/**
 * Small helpers for tests on raw connections and streams: polling, filler
 * bytes, exact reads with a deadline, one-shot events, and a count of the
 * process's live TCP handles (to check that close leaves no socket behind).
 */
import type { MessageStream } from '@libp2p/interface'
import { StreamReader } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Polls `predicate` every `interval` ms until it holds; throws after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 2_000, interval = 10): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

/** `length` bytes of `fill`. */
export function bytes(length: number, fill = 7): Uint8Array {
  return new Uint8Array(length).fill(fill)
}

/**
 * Reads exactly `length` bytes from `stream` (within 5 s), then hands any
 * extra bytes back to the stream.
 */
export async function readExact(stream: MessageStream, length: number): Promise<Uint8ArrayList> {
  const reader = new StreamReader(stream, { maxBufferLength: Math.max(length, 1024 * 1024) })
  try {
    return await reader.readExact(length, { signal: AbortSignal.timeout(5_000) })
  } finally {
    reader.release()
  }
}

/** Resolves with the stream's `close` event (its `error` says why it closed). */
export function closeEvent(stream: MessageStream): Promise<Event & { error?: Error }> {
  return new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }))
}

/** Resolves the next time `stream` emits `type`. */
export function eventOnce(stream: MessageStream, type: 'remoteCloseWrite' | 'end' | 'drain'): Promise<void> {
  return new Promise((resolve) => stream.addEventListener(type, () => resolve(), { once: true }))
}

/** Number of live TCP handles (servers and sockets) in this process. */
export function tcpHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === 'TCPServerWrap' || name === 'TCPSocketWrap').length
}
