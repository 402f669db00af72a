/**
 * Seed corpora: tests/fuzz/corpus/<target>.txt holds one valid encoding per
 * line as hex; `#` starts a comment. Seeds come from the packages' own
 * encoders or from the specs' examples, so mutations start from real traffic.
 */
import { readFileSync } from 'node:fs'

const CORPUS_DIR = new URL('../../corpus/', import.meta.url)

export function loadCorpus(target: string): Uint8Array[] {
  const text = readFileSync(new URL(`${target}.txt`, CORPUS_DIR), 'utf8')
  const seeds: Uint8Array[] = []
  for (const line of text.split('\n')) {
    const hex = line.replace(/#.*/, '').trim()
    if (hex.length > 0) seeds.push(fromHex(hex))
  }
  if (seeds.length === 0) throw new Error(`corpus ${target}.txt holds no seed`)
  return seeds
}

export function fromHex(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex))
    throw new RangeError(`expected an even number of hex digits, got ${hex.slice(0, 32)}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function toHex(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}
