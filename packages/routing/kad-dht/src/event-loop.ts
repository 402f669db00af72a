/** Helpers that keep long loops from holding the event loop. */

const schedule: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (callback) => globalThis.setImmediate(callback)
    : (callback) => setTimeout(callback, 0)

/**
 * Resolves after pending I/O callbacks ran: a loop over many entries awaits
 * it every chunk so sockets (pings, other streams) are served in between.
 */
export async function yieldToEventLoop(): Promise<void> {
  await new Promise<void>((resolve) => schedule(resolve))
}

/** entries a background loop handles between two yields */
export const CHUNK_SIZE = 500
