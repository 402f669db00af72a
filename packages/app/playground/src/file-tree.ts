/**
 * The hash tree that names a shared file. The file is cut into fixed-size
 * chunks (the last may be shorter; an empty file is one empty chunk). A leaf
 * is SHA-256(0x00 ‖ chunk), an inner node SHA-256(0x01 ‖ left ‖ right) (the
 * prefixes keep a leaf from passing for a node). Each level pairs nodes left
 * to right; an odd last node moves up unchanged. The root, the file size and
 * the chunk size make the file id, so a chunk is checked against the id alone
 * with its proof: the sibling hashes on its path to the root.
 */
import { createHash } from 'node:crypto'
import { decodeVarint, encodeVarint } from '@weft/utils'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidFileIdError } from './errors.js'

export const DEFAULT_CHUNK_SIZE = 256 * 1024
export const MIN_CHUNK_SIZE = 1024
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024
export const HASH_LENGTH = 32
const ID_PREFIX = 'weft-file:'
const ID_VERSION = 1

export function leafHash(chunk: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF).update(chunk).digest()
}

/** The leaf hash of a chunk received in pieces, hashed where they lie (no copy into one buffer). */
export function leafHashOf(pieces: Iterable<Uint8Array>): Uint8Array {
  const hash = createHash('sha256').update(LEAF)
  for (const piece of pieces) hash.update(piece)
  return hash.digest()
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE).update(left).update(right).digest()
}

const LEAF = Uint8Array.of(0)
const NODE = Uint8Array.of(1)

export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize))
}

/** Bytes in chunk `index` of a file of `size`. */
export function chunkLength(size: number, chunkSize: number, index: number): number {
  return Math.max(0, Math.min(chunkSize, size - index * chunkSize))
}

/** Builds the root from leaves pushed in order, keeping one hash per level (log n memory). */
export class RootBuilder {
  private readonly stack: Array<{ level: number; hash: Uint8Array }> = []
  count = 0

  push(leaf: Uint8Array): void {
    let node = { level: 0, hash: leaf }
    this.count++
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === node.level) {
      const left = this.stack.pop()!
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) }
    }
    this.stack.push(node)
  }

  /** The root: what is left on the stack, folded from the right (odd nodes moved up meet their left neighbours). */
  root(): Uint8Array {
    if (this.stack.length === 0) throw new RangeError('a tree needs at least one leaf')
    let hash = this.stack[this.stack.length - 1]!.hash
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!.hash, hash)
    return hash
  }
}

/** Every level of the tree, leaves first: what a source keeps to answer with proofs (64 bytes a chunk). */
export function buildLevels(leaves: Uint8Array[]): Uint8Array[][] {
  if (leaves.length === 0) throw new RangeError('a tree needs at least one leaf')
  const levels = [leaves]
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!
    const above: Uint8Array[] = []
    for (let i = 0; i < below.length; i += 2) {
      above.push(i + 1 < below.length ? nodeHash(below[i]!, below[i + 1]!) : below[i]!)
    }
    levels.push(above)
  }
  return levels
}

/** The sibling hashes from leaf `index` up to the root (a level where the node moves up alone gives none). */
export function proofFor(levels: Uint8Array[][], index: number): Uint8Array[] {
  const proof: Uint8Array[] = []
  let position = index
  for (let level = 0; level < levels.length - 1; level++) {
    const sibling = position ^ 1
    const nodes = levels[level]!
    if (sibling < nodes.length) proof.push(nodes[sibling]!)
    position >>= 1
  }
  return proof
}

/** Whether `chunk` is chunk `index` of the tree with `root` and `count` leaves, by its proof. */
export function verifyChunk(
  root: Uint8Array,
  count: number,
  index: number,
  chunk: Uint8Array,
  proof: Uint8Array[],
): boolean {
  return verifyLeaf(root, count, index, leafHash(chunk), proof)
}

/** Whether `leaf` is the hash of leaf `index` of the tree with `root` and `count` leaves, by its proof. */
export function verifyLeaf(
  root: Uint8Array,
  count: number,
  index: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) return false
  if (leaf.byteLength !== HASH_LENGTH) return false
  let hash = leaf
  let position = index
  let width = count
  let used = 0
  while (width > 1) {
    const sibling = position ^ 1
    if (sibling < width) {
      const other = proof[used++]
      if (other == null || other.byteLength !== HASH_LENGTH) return false
      hash = (position & 1) === 0 ? nodeHash(hash, other) : nodeHash(other, hash)
    }
    position >>= 1
    width = Math.ceil(width / 2)
  }
  return used === proof.length && equalBytes(hash, root)
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

export interface FileId {
  root: Uint8Array
  size: number
  chunkSize: number
}

/** `weft-file:` + base58btc of version 1, the 32-byte root, the size and the chunk size as varints. */
export function encodeFileId(id: FileId): string {
  const size = encodeVarint(id.size)
  const chunk = encodeVarint(id.chunkSize)
  const bytes = new Uint8Array(1 + HASH_LENGTH + size.byteLength + chunk.byteLength)
  bytes[0] = ID_VERSION
  bytes.set(id.root, 1)
  bytes.set(size, 1 + HASH_LENGTH)
  bytes.set(chunk, 1 + HASH_LENGTH + size.byteLength)
  return ID_PREFIX + base58btc.encode(bytes)
}

export function decodeFileId(text: string): FileId {
  if (typeof text !== 'string' || !text.startsWith(ID_PREFIX)) {
    throw new InvalidFileIdError(`a file id starts with "${ID_PREFIX}"; got "${String(text).slice(0, 40)}"`)
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(text.slice(ID_PREFIX.length))
  } catch (err) {
    throw new InvalidFileIdError(`file id is not base58btc: ${(err as Error).message}`)
  }
  if (bytes[0] !== ID_VERSION || bytes.byteLength < 1 + HASH_LENGTH + 2) {
    throw new InvalidFileIdError(`file id version ${bytes[0]} or length ${bytes.byteLength} unknown`)
  }
  const root = bytes.slice(1, 1 + HASH_LENGTH)
  try {
    const sizeVarint = decodeVarint(bytes, 1 + HASH_LENGTH)
    if (sizeVarint == null) throw new Error('the size is cut short')
    const chunkVarint = decodeVarint(bytes, 1 + HASH_LENGTH + sizeVarint.length)
    if (chunkVarint == null) throw new Error('the chunk size is cut short')
    const [size, sizeBytes, chunkSize, chunkBytes] = [
      sizeVarint.value,
      sizeVarint.length,
      chunkVarint.value,
      chunkVarint.length,
    ]
    if (1 + HASH_LENGTH + sizeBytes + chunkBytes !== bytes.byteLength) throw new Error('trailing bytes')
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw new Error(`chunk size ${chunkSize}`)
    if (!Number.isSafeInteger(size)) throw new Error(`size ${size}`)
    return { root, size, chunkSize }
  } catch (err) {
    throw new InvalidFileIdError(`file id is malformed: ${(err as Error).message}`)
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
