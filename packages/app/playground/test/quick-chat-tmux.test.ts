/**
 * Acceptance 1: the QuickChat example (examples/quick-chat.ts, three lines of
 * user code) in two terminals driven through tmux: keys typed with
 * `send-keys`, screens read with `capture-pane`. The tmux server runs on its
 * own socket (`-S`, in a temporary folder), killed at the end; the chats listen on loopback only,
 * without multicast. Without tmux the suite is not run and says so, except in
 * CI, where it runs and fails (as @weft/testkit's `notRunReason` decides).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundle } from './child-process.js'

function notRunReason(tool: string): string {
  const ci = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'
  if (ci) return ''
  return spawnSync(tool, ['-V'], { stdio: 'ignore' }).status === 0 ? '' : ` (not run: needs ${tool})`
}

const notRun = notRunReason('tmux')
// the tmux server's socket lives in a folder of ours, removed at the end
const SOCKET_DIR = mkdtempSync(join(tmpdir(), 'weft-quickchat-'))
const SOCKET = join(SOCKET_DIR, 'tmux.sock')
const EXAMPLE = join(import.meta.dirname, '../examples/quick-chat.ts')

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' })
}

function screen(session: string): string {
  return tmux('capture-pane', '-p', '-J', '-t', session)
}

async function waitForScreen(session: string, match: RegExp, timeout = 15_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeout
  for (;;) {
    const found = match.exec(screen(session))
    if (found != null) return found
    if (Date.now() > deadline)
      throw new Error(`${session}'s screen never showed ${match}:\n${screen(session)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function startChat(session: string, name: string, program: string, args: string[] = []): void {
  const env = [
    `WEFT_CHAT_NAME=${name}`,
    'WEFT_PLAYGROUND_LISTEN=/ip4/127.0.0.1/tcp/0',
    'WEFT_PLAYGROUND_MDNS=0',
  ]
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '200',
    '-y',
    '50',
    'env',
    ...env,
    process.execPath,
    program,
    ...args,
  )
  // the pane stays on screen after the program exits, so its last lines can be read
  tmux('set-option', '-t', session, 'remain-on-exit', 'on')
}

describe.skipIf(notRun !== '')(`QuickChat in two tmux terminals${notRun}`, () => {
  let program: { file: string; remove(): void }
  beforeAll(() => {
    program = bundle(EXAMPLE)
  })
  afterAll(() => {
    spawnSync('tmux', ['-S', SOCKET, 'kill-server'], { stdio: 'ignore' })
    rmSync(SOCKET_DIR, { recursive: true, force: true })
    program?.remove()
  })

  it('is five lines or fewer of user code', () => {
    const code = readFileSync(EXAMPLE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
    expect(code.length).toBeLessThanOrEqual(5)
  })

  it('chats both ways and leaves with quit', { timeout: 60_000 }, async () => {
    startChat('alice', 'alice', program.file)
    const [, address] = await waitForScreen('alice', /^\s+(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)\s*$/m)
    startChat('bob', 'bob', program.file, [address!])
    await waitForScreen('bob', /^\* joined …\S{6}$/m)
    await waitForScreen('bob', /type a line to send it/)
    await waitForScreen('alice', /^\* …\S{6} joined$/m)

    tmux('send-keys', '-t', 'bob', 'hello from bob', 'Enter')
    await waitForScreen('alice', /^\[bob\] hello from bob$/m)
    tmux('send-keys', '-t', 'alice', 'hi bob, alice here', 'Enter')
    await waitForScreen('bob', /^\[alice\] hi bob, alice here$/m)
    // a line nobody else typed never shows as someone's message
    expect(screen('alice')).not.toMatch(/^\[alice\]/m)
    expect(screen('bob')).not.toMatch(/^\[bob\]/m)

    tmux('send-keys', '-t', 'bob', 'quit', 'Enter')
    await waitForScreen('bob', /^bye$/m)
    // the program exits by itself: stop() left nothing open
    const deadline = Date.now() + 10_000
    while (tmux('display-message', '-p', '-t', 'bob', '#{pane_dead}').trim() !== '1') {
      if (Date.now() > deadline) throw new Error('bob did not exit after quit')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await waitForScreen('alice', /^\* …\S{6} left$/m)
  })
})
