/**
 * A download in progress on disk: the data in `<dest>.part` and a sidecar
 * `<dest>.part.weft` with the file id, a bitmap of the chunks written and
 * each written chunk's leaf hash. After a restart, every chunk the bitmap
 * marks is read back and hashed against its recorded leaf (which was checked
 * against the root when it arrived); a chunk that fails is fetched again.
 * Memory: the bitmap (one bit a chunk) and one chunk at a time.
 *
 * Sidecar layout: "WEFTPART" ‖ u32 id length ‖ id (UTF-8) ‖ bitmap ‖ 32-byte leaves.
 */
import { writeSync } from 'node:fs'
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises'
import type { Uint8ArrayList } from 'uint8arraylist'
import { FileIntegrityError, InvalidFileIdError } from './errors.js'
import {
  chunkCount,
  chunkLength,
  equalBytes,
  type FileId,
  HASH_LENGTH,
  leafHash,
  RootBuilder,
} from './file-tree.js'

const MAGIC = new TextEncoder().encode('WEFTPART')

/** `writev` until every piece is on disk (a regular file rarely takes less, but may). */
async function writeAll(handle: FileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let rest = pieces
  let at = position
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest, at)
    if (bytesWritten === 0 && rest.some((piece) => piece.byteLength > 0))
      throw new Error('the disk took no bytes')
    at += bytesWritten
    while (rest.length > 0 && bytesWritten >= rest[0]!.byteLength) {
      bytesWritten -= rest[0]!.byteLength
      rest = rest.slice(1)
    }
    if (bytesWritten > 0) rest = [rest[0]!.subarray(bytesWritten), ...rest.slice(1)]
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export class PartFile {
  readonly count: number
  private bytesDoneValue = 0
  private doneChunks = 0

  private constructor(
    readonly dest: string,
    readonly file: FileId,
    private readonly data: FileHandle,
    private readonly sidecar: FileHandle,
    private readonly bitmap: Uint8Array,
    private readonly bitmapOffset: number,
  ) {
    this.count = chunkCount(file.size, file.chunkSize)
  }

  /** Opens (or starts) the download of `id` into `dest`; a sidecar for another id is an `InvalidFileIdError`. */
  static async open(dest: string, id: string, file: FileId): Promise<PartFile> {
    const count = chunkCount(file.size, file.chunkSize)
    const idBytes = new TextEncoder().encode(id)
    const header = new Uint8Array(MAGIC.byteLength + 4 + idBytes.byteLength)
    header.set(MAGIC, 0)
    new DataView(header.buffer).setUint32(MAGIC.byteLength, idBytes.byteLength)
    header.set(idBytes, MAGIC.byteLength + 4)
    const bitmap = new Uint8Array(Math.ceil(count / 8))
    const sidecarPath = `${dest}.part.weft`
    const resume = (await exists(sidecarPath)) && (await exists(`${dest}.part`))
    const sidecar = await open(sidecarPath, resume ? 'r+' : 'w+')
    let data: FileHandle | undefined
    try {
      if (resume) {
        const found = new Uint8Array(header.byteLength)
        await sidecar.read(found, 0, found.byteLength, 0)
        if (!equalBytes(found, header)) {
          throw new InvalidFileIdError(
            `${sidecarPath} belongs to another download; remove it or pick another destination`,
          )
        }
        await sidecar.read(bitmap, 0, bitmap.byteLength, header.byteLength)
      } else {
        await sidecar.truncate(0)
        await sidecar.write(header, 0, header.byteLength, 0)
        await sidecar.write(bitmap, 0, bitmap.byteLength, header.byteLength)
      }
      data = await open(`${dest}.part`, resume ? 'r+' : 'w+')
      await data.truncate(file.size)
    } catch (err) {
      await sidecar.close()
      await data?.close()
      throw err
    }
    return new PartFile(dest, file, data, sidecar, bitmap, header.byteLength)
  }

  get bytesDone(): number {
    return this.bytesDoneValue
  }

  get complete(): boolean {
    return this.doneChunks === this.count
  }

  get missingChunks(): number {
    return this.count - this.doneChunks
  }

  has(index: number): boolean {
    return (this.bitmap[index >> 3]! & (1 << (index & 7))) !== 0
  }

  /** Re-reads every chunk the bitmap marks and keeps those that still hash to their recorded leaf. */
  async verifyExisting(): Promise<void> {
    const buffer = new Uint8Array(this.file.chunkSize)
    const recorded = new Uint8Array(HASH_LENGTH)
    for (let index = 0; index < this.count; index++) {
      if (!this.has(index)) continue
      const length = chunkLength(this.file.size, this.file.chunkSize, index)
      const chunk = buffer.subarray(0, length)
      await this.data.read(chunk, 0, length, index * this.file.chunkSize)
      await this.sidecar.read(recorded, 0, HASH_LENGTH, this.leafOffset(index))
      if (equalBytes(leafHash(chunk), recorded)) {
        this.doneChunks++
        this.bytesDoneValue += length
      } else {
        this.setBitSync(index, false)
      }
    }
  }

  /**
   * Writes a verified chunk (one buffer, or the pieces it arrived in, written
   * with one `writev` and no copy): data, then its leaf, then its bit (a crash
   * in between only costs a refetch). The bit is set after the data is on
   * disk; a chunk is written once (writes are not run concurrently: the
   * caller queues them).
   */
  async write(index: number, chunk: Uint8Array | Uint8ArrayList, leaf: Uint8Array): Promise<void> {
    if (this.has(index)) return
    const position = index * this.file.chunkSize
    await writeAll(this.data, chunk instanceof Uint8Array ? [chunk] : [...chunk], position)
    if (this.has(index)) return
    // the sidecar's few bytes go at once: a thread-pool round trip costs more than the write
    writeSync(this.sidecar.fd, leaf, 0, HASH_LENGTH, this.leafOffset(index))
    this.setBitSync(index, true)
    this.doneChunks++
    this.bytesDoneValue += chunk.byteLength
  }

  /**
   * Renames the data to `dest` and removes the sidecar. With `verifyWhole`,
   * first hashes the whole file into a root and checks it against the id
   * (each chunk was already checked when it arrived, or when it was resumed).
   */
  async finish(verifyWhole = false): Promise<void> {
    if (verifyWhole) await this.verifyWhole()
    await this.close()
    await rename(`${this.dest}.part`, this.dest)
    await rm(`${this.dest}.part.weft`, { force: true })
  }

  private async verifyWhole(): Promise<void> {
    const builder = new RootBuilder()
    const buffer = new Uint8Array(this.file.chunkSize)
    for (let index = 0; index < this.count; index++) {
      const length = chunkLength(this.file.size, this.file.chunkSize, index)
      const chunk = buffer.subarray(0, length)
      await this.data.read(chunk, 0, length, index * this.file.chunkSize)
      builder.push(leafHash(chunk))
    }
    if (!equalBytes(builder.root(), this.file.root)) {
      throw new FileIntegrityError(
        `${this.dest}.part does not hash to the file's root; the download is kept for inspection`,
      )
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.data.close(), this.sidecar.close()])
  }

  private leafOffset(index: number): number {
    return this.bitmapOffset + this.bitmap.byteLength + index * HASH_LENGTH
  }

  private setBitSync(index: number, value: boolean): void {
    const byte = index >> 3
    const bits = this.bitmap[byte] ?? 0
    this.bitmap[byte] = value ? bits | (1 << (index & 7)) : bits & ~(1 << (index & 7))
    writeSync(this.sidecar.fd, this.bitmap, byte, 1, this.bitmapOffset + byte)
  }
}
