import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildLevels, decodeFileId, leafHash } from '../src/file-tree.js'
import { encodeFileId, FileIntegrityError, InvalidFileIdError } from '../src/index.js'
import { PartFile } from '../src/part-file.js'

describe('a download on disk', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  function setup(): { dir: string; chunks: Uint8Array[]; id: string } {
    const dir = mkdtempSync(join(tmpdir(), 'weft-playground-part-'))
    dirs.push(dir)
    const chunks = [new Uint8Array(1024).fill(1), new Uint8Array(1024).fill(2), new Uint8Array(10).fill(3)]
    const levels = buildLevels(chunks.map(leafHash))
    const id = encodeFileId({ root: levels[levels.length - 1]![0]!, size: 2058, chunkSize: 1024 })
    return { dir, chunks, id }
  }

  it('keeps its progress across a reopen and assembles the file', async () => {
    const { dir, chunks, id } = setup()
    const dest = join(dir, 'out')
    const first = await PartFile.open(dest, id, decodeFileId(id))
    await first.write(2, chunks[2]!, leafHash(chunks[2]!))
    await first.write(0, chunks[0]!, leafHash(chunks[0]!))
    await first.close()
    const second = await PartFile.open(dest, id, decodeFileId(id))
    await second.verifyExisting()
    expect([second.has(0), second.has(1), second.has(2), second.bytesDone]).toEqual([true, false, true, 1034])
    await second.write(1, chunks[1]!, leafHash(chunks[1]!))
    expect(second.complete).toBe(true)
    await second.finish(true)
    expect(new Uint8Array(await readFile(dest))).toEqual(new Uint8Array(Buffer.concat(chunks)))
  })

  it('refuses a sidecar of another file, and a whole file that does not hash to the root', async () => {
    const { dir, chunks, id } = setup()
    const dest = join(dir, 'out')
    const part = await PartFile.open(dest, id, decodeFileId(id))
    const other = encodeFileId({ ...decodeFileId(id), root: new Uint8Array(32) })
    await expect(PartFile.open(dest, other, decodeFileId(other))).rejects.toThrow(InvalidFileIdError)
    // chunk 1 written with the leaf of its wrong bytes: only the whole-file check can tell
    const wrong = new Uint8Array(1024).fill(9)
    await part.write(0, chunks[0]!, leafHash(chunks[0]!))
    await part.write(1, wrong, leafHash(wrong))
    await part.write(2, chunks[2]!, leafHash(chunks[2]!))
    await expect(part.finish(true)).rejects.toThrow(FileIntegrityError)
    await part.close()
  })
})
