/** File sharing: acceptance 4 at 32 MiB (file-scenario.ts), resume re-verification, and no sources. */

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FileProgress, hashFile, NoSourcesError, type Playground } from '../src/index.js'
import { fileSharingScenario, sha256 } from './file-scenario.js'
import { joinAll, startPlaygrounds } from './helpers.js'

describe('file sharing', () => {
  let dir: string
  const started: Playground[] = []
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-playground-files-'))
  })
  afterAll(async () => {
    await Promise.all(started.splice(0).map(async (node) => node.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('32 MiB from three sources: survives a dead source, bans a corrupt one, resumes after a restart and hashes equal', {
    timeout: 120_000,
  }, async () => {
    await fileSharingScenario(32)
  })

  it('re-verifies a resumed download and refetches a chunk damaged on disk', async () => {
    const small = join(dir, 'small')
    await writeFile(small, randomBytes(5 * 64 * 1024))
    const [source, fetcher] = await startPlaygrounds('files-resume', 2)
    started.push(source!, fetcher!)
    const id = await source!.shareFile(small, { chunkSize: 64 * 1024 })
    await joinAll([source!, fetcher!])
    const dest = join(dir, 'small-fetched')
    const stop = new AbortController()
    await expect(
      fetcher!.getFile(id, dest, {
        parallelPerSource: 1,
        signal: stop.signal,
        onProgress: (p) => p.bytes >= 3 * 64 * 1024 && stop.abort(),
      }),
    ).rejects.toThrow(/abort/i)
    // damage chunk 0 on disk: the resume must notice and fetch it again
    const part = await open(`${dest}.part`, 'r+')
    await part.write(Uint8Array.of(1, 2, 3), 0, 3, 10)
    await part.close()
    const progress: FileProgress[] = []
    await fetcher!.getFile(id, dest, { onProgress: (p) => progress.push(p) })
    expect(progress[0]!.resumedBytes).toBe(2 * 64 * 1024)
    expect(await sha256(dest)).toBe(await sha256(small))
  })

  it('gives up with NoSourcesError when no peer has the file', async () => {
    const [lonely] = await startPlaygrounds('files-none', 1)
    started.push(lonely!)
    await writeFile(join(dir, 'unshared'), randomBytes(1000))
    // shared, then unshared: nobody has it any more
    const [source] = await startPlaygrounds('files-none', 1)
    started.push(source!)
    await lonely!.join(source!.addresses[0]!)
    expect(await source!.unshareFile(await source!.shareFile(join(dir, 'unshared')))).toBe(true)
    const id = await hashFile(join(dir, 'unshared'))
    await expect(
      lonely!.getFile(id, join(dir, 'never'), { findTimeout: 300, discoverInterval: 50 }),
    ).rejects.toThrow(NoSourcesError)
  })
})
