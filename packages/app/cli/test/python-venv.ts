/**
 * The Python virtual environments some CLI tests drive (p2pclient, a real
 * P2PD): made under the interop cache from a pinned requirements file, and
 * made again only when that file changes (its SHA-256 is kept in the venv).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const INTEROP_CACHE =
  process.env.WEFT_INTEROP_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weft-interop')

export interface Venv {
  dir: string
  python: string
}

export function venv(name: string): Venv {
  const dir = join(INTEROP_CACHE, name)
  return { dir, python: join(dir, 'bin', 'python') }
}

/** Makes (or reuses) `env` with `requirements` installed; '' when ready, else the first line of what failed. */
export async function prepareVenv(env: Venv, requirements: string): Promise<string> {
  const stamp = join(env.dir, 'weft-requirements.sha256')
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex')
  if (existsSync(env.python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return ''
  try {
    await run('python3', ['-m', 'venv', env.dir], { timeout: 120_000 })
    await run(
      env.python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements],
      { timeout: 300_000 },
    )
    writeFileSync(stamp, wanted)
    return ''
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'unknown error'
  }
}
