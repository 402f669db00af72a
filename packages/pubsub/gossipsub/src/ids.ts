/** Message ids travel as bytes and are keyed as lower-case hex. */
export { msgIdToString as idToString } from '@weft/pubsub'

export function idToBytes(id: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(id.length >>> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(id.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Fisher–Yates shuffle in place, with an injectable random source. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = items[i]
    items[i] = items[j]
    items[j] = tmp
  }
  return items
}
