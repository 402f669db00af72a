/**
 * Acceptance 5: `weft get` draws a progress bar in a real terminal. The get
 * runs in a tmux pane (its own server socket in a temporary folder, killed
 * at the end) and the screen is read with capture-pane. Without tmux the
 * suite is not run and says so in its title, except in CI, where it runs
 * and fails (@weft/testkit's `notRunReason`).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, type CliProcess, spawnCli, tempDir } from './helpers.js'

const notRun = notRunReason(['tmux'])
const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const MiB = 1024 * 1024

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`
}

describe.skipIf(notRun !== '')(`weft get in a tmux terminal${notRun}`, () => {
  const temp = tempDir('tmux')
  const socket = join(temp.dir, 'tmux.sock')
  let bin: string
  let sharer: CliProcess
  let shared: { id: string; addrs: string[] }
  let payload: Buffer

  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-u', '-S', socket, ...args], { encoding: 'utf8' })

  beforeAll(async () => {
    bin = bundleCli(temp.dir)
    payload = randomBytes(24 * MiB)
    writeFileSync(join(temp.dir, 'big.bin'), payload)
    sharer = spawnCli(bin, ['share', join(temp.dir, 'big.bin'), '--json', ...LOOPBACK], temp.dir)
    shared = JSON.parse((await sharer.waitFor(/^\{.*\}$/m, 'stdout', 60_000))[0])
  }, 120_000)

  afterAll(async () => {
    spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' })
    sharer?.signal('SIGTERM')
    await sharer?.exited()
    temp.remove()
  })

  it('shows a bar with bytes, rate and peers, and leaves it at 100%', { timeout: 60_000 }, async () => {
    const dest = join(temp.dir, 'got.bin')
    const command = [
      'env',
      'LANG=C.UTF-8',
      `XDG_CONFIG_HOME=${temp.dir}`,
      process.execPath,
      bin,
      'get',
      shared.id,
      dest,
      '--from',
      shared.addrs[0]!,
      ...LOOPBACK,
    ]
    // through a shell that stays after weft exits: tmux 3.3 drops the bar's line when a
    // remain-on-exit pane dies, which a real terminal (and its shell prompt) does not
    tmux(
      'new-session',
      '-d',
      '-s',
      'get',
      '-x',
      '160',
      '-y',
      '20',
      `${command.map(shellQuote).join(' ')}; echo "exit status $?"; sleep 60`,
    )
    const deadline = Date.now() + 45_000
    for (;;) {
      if (/^exit status \d+$/m.test(screen())) break
      if (Date.now() > deadline) throw new Error(`weft get did not finish:\n${screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(/^exit status (\d+)$/m.exec(screen())?.[1]).toBe('0')
    const text = screen()
    // the bar: 30 cells, all full, then bytes, rate, peers and the ETA, redrawn in place on one line
    expect(text).toMatch(
      /^\u2588{30} 100% \| 24\.0 MiB \/ 24\.0 MiB \| [\d.]+ (B|KiB|MiB|GiB)\/s \| \d+ peers? \| ETA \S+$/m,
    )
    expect(text.match(/ 100% \| /g)).toHaveLength(1)
    expect(text).toMatch(/^saved .*got\.bin \(24\.0 MiB\) in [\d.]+ s, [\d.]+ \S+\/s$/m)
    // the plain lines are for pipes only
    expect(text).not.toMatch(/ of 24\.0 MiB \(/)
    expect(Buffer.compare(readFileSync(dest), payload)).toBe(0)
  })

  function screen(): string {
    return tmux('capture-pane', '-p', '-J', '-t', 'get')
  }
})
