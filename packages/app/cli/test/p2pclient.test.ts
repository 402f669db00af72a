/**
 * Acceptance 2, the Python half: p2pclient (PyPI `p2pclient==0.3.0`, the
 * libp2p daemon client for Python), unchanged, drives two weft daemons over
 * their control sockets: identify, a stream handler, connect, list peers, a
 * stream whose 300 kB come back echoed, disconnect (python/p2pclient_echo.py).
 *
 * The client lives in a virtual environment under the interop cache
 * (`~/.cache/weft-interop/p2pclient-venv`), made here from
 * python/requirements.txt when missing or stale. Where python3 or PyPI is not
 * available the suite is not run and says why, except in CI, where it fails.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { useDaemonPair } from './helpers.js'
import { prepareVenv, venv } from './python-venv.js'

const run = promisify(execFile)
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url))
const REQUIREMENTS = join(PYTHON_DIR, 'requirements.txt')
const VENV = venv('p2pclient-venv')
const PYTHON = VENV.python
const IN_CI = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'

/** Makes (or reuses) the venv; '' when ready, else why the suite cannot run. */
async function prepareClient(): Promise<string> {
  const failed = await prepareVenv(VENV, REQUIREMENTS)
  if (failed === '') return ''
  const reason = `python3 with venv and pip, and p2pclient from PyPI (${failed})`
  if (IN_CI) throw new Error(`cannot prepare p2pclient in CI: ${reason}`)
  return ` (not run: needs ${reason})`
}

const NOT_RUN = await prepareClient()

interface Seen {
  alice: string
  bob: string
  aliceAddrs: string[]
  bobPeers: string[]
  protocol: string
  echoed: boolean
  echoedBytes: number
  bobPeersAfterDisconnect: number
}

describe.skipIf(NOT_RUN !== '')(`p2pclient (Python) against weft daemons${NOT_RUN}`, () => {
  const daemons = useDaemonPair('p2pclient', (dir) => ({
    alice: ['--sock', join(dir, 'alice.sock')],
    bob: ['--sock', join(dir, 'bob.sock')],
  }))

  it('identifies, connects, opens a stream and echoes, disconnects', async () => {
    const { alice, bob, dir } = daemons
    const { stdout } = await run(
      PYTHON,
      [
        join(PYTHON_DIR, 'p2pclient_echo.py'),
        join(dir, 'alice.sock'),
        join(dir, 'bob.sock'),
        join(dir, 'handler.sock'),
      ],
      { timeout: 60_000 },
    )
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Seen
    expect(seen.alice).toBe(alice.peerId)
    expect(seen.bob).toBe(bob.peerId)
    expect(seen.aliceAddrs).toEqual(alice.addrs)
    expect(seen.bobPeers).toEqual([alice.peerId])
    expect(seen.protocol).toBe('/weft-test/echo/1.0.0')
    expect(seen.echoedBytes).toBe(300_000)
    expect(seen.echoed).toBe(true)
    expect(seen.bobPeersAfterDisconnect).toBe(0)
  }, 90_000)
})
