/** A `StateStore` in a directory: one file per name, written to a temporary file then renamed (no torn saves). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StateStore } from './shared-state.js'

export function fileStateStore(directory: string): StateStore {
  const pathOf = (name: string): string => join(directory, `${encodeURIComponent(name)}.json`)
  return {
    async get(name) {
      try {
        return new Uint8Array(await readFile(pathOf(name)))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async put(name, bytes) {
      await mkdir(directory, { recursive: true })
      const path = pathOf(name)
      await writeFile(`${path}.tmp`, bytes)
      await rename(`${path}.tmp`, path)
    },
  }
}
