/**
 * Acceptance 4 as one scenario, run at 32 MiB (file-sharing.test.ts) and at
 * the 256 MiB (file-sharing-256mib.test.ts): a file fetched from three
 * sources at once; one source killed mid-way; one serving corrupt chunks,
 * detected and banned; the fetcher stopped mid-way and restarted, resuming
 * from disk; the result hashes equal.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { copyFile, open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { decodeFileId, type FileProgress, hashFile, type Playground } from '../src/index.js'
import { joinAll, startPlaygrounds } from './helpers.js'

export const MIB = 1024 * 1024

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer)
  return hash.digest('hex')
}

/** Writes `size` random bytes to `path`, a MiB at a time. */
export async function randomFile(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w')
  for (let written = 0; written < size; written += MIB)
    await handle.write(randomBytes(Math.min(MIB, size - written)))
  await handle.close()
}

export async function fileSharingScenario(sizeMiB: number): Promise<void> {
  const SIZE = sizeMiB * MIB + 12_345 // a short last chunk
  const dir = mkdtempSync(join(tmpdir(), 'weft-playground-files-'))
  const started: Playground[] = []
  try {
    const original = join(dir, 'original')
    await randomFile(original, SIZE)
    const dest = join(dir, 'fetched')
    const [good, dying, corrupt, fetcher] = await startPlaygrounds('files-test', 4)
    started.push(good!, dying!, corrupt!, fetcher!)
    // the good and the dying source share the original; the corrupt one a copy, damaged below
    await copyFile(original, join(dir, 'corrupt-copy'))
    const ids = await Promise.all([
      good!.shareFile(original),
      dying!.shareFile(original),
      corrupt!.shareFile(join(dir, 'corrupt-copy')),
    ])
    expect(new Set(ids).size).toBe(1)
    const id = ids[0]!
    expect(decodeFileId(id).size).toBe(SIZE)
    expect(await hashFile(original)).toBe(id)
    // the corrupt source's copy changes after it was shared: one byte flipped in every chunk
    const { chunkSize } = decodeFileId(id)
    const tampered = await open(join(dir, 'corrupt-copy'), 'r+')
    const byte = new Uint8Array(1)
    for (let offset = 100; offset < SIZE; offset += chunkSize) {
      await tampered.read(byte, 0, 1, offset)
      byte[0] = byte[0]! ^ 0xff
      await tampered.write(byte, 0, 1, offset)
    }
    await tampered.close()
    await joinAll([good!, dying!, corrupt!, fetcher!])

    // first run: the dying source stops at a quarter, the fetcher is stopped at half
    const stopFetcher = new AbortController()
    const first: FileProgress[] = []
    let killed: Promise<void> | undefined
    const firstRun = fetcher!.getFile(id, dest, {
      parallelPerSource: 2,
      signal: stopFetcher.signal,
      onProgress: (progress) => {
        first.push(progress)
        if (progress.bytes >= SIZE / 4) killed ??= dying!.stop()
        if (progress.bytes >= SIZE / 2) stopFetcher.abort()
      },
    })
    await expect(firstRun).rejects.toThrow(/abort/i)
    await killed
    const last = first[first.length - 1]!
    expect(last.banned).toEqual([corrupt!.peerId])
    expect(fetcher!.bannedPeers).toEqual([corrupt!.peerId])
    expect(Math.max(...first.map((p) => p.peers))).toBeGreaterThanOrEqual(2)
    expect(existsSync(`${dest}.part`)).toBe(true)
    expect(existsSync(dest)).toBe(false)
    await fetcher!.stop()

    // second run: a new fetcher (a restart) resumes from what is on disk
    const [restarted] = await startPlaygrounds('files-test', 1)
    started.push(restarted!)
    await restarted!.join(good!.addresses[0]!)
    await restarted!.join(corrupt!.addresses[0]!)
    const second: FileProgress[] = []
    await restarted!.getFile(id, dest, { verifyWhole: true, onProgress: (progress) => second.push(progress) })
    expect(second[0]!.resumedBytes).toBeGreaterThanOrEqual(SIZE / 2 - 8 * chunkSize)
    expect(second[second.length - 1]!.bytes).toBe(SIZE)
    expect(restarted!.bannedPeers).toEqual([corrupt!.peerId])
    expect(await sha256(dest)).toBe(await sha256(original))
    expect(existsSync(`${dest}.part`)).toBe(false)
    expect(existsSync(`${dest}.part.weft`)).toBe(false)
  } finally {
    await Promise.all(started.map(async (node) => node.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
}
