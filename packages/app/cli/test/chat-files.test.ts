/**
 * Acceptance 5 for chat, share and get: the commands as processes on
 * loopback without multicast. Two chats talk both ways over stdin/stdout;
 * a few MiB shared by one process arrive byte for byte in another, with
 * plain progress lines (stdout is a pipe here, not a terminal); failures
 * are one line and the documented exit code.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeFileId, encodeFileId } from '@weft/playground'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, type CliProcess, runCli, spawnCli, tempDir } from './helpers.js'

const LOOPBACK = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
const MiB = 1024 * 1024

/** A well-formed id of a file nobody shares: the same size, another root. */
function nobodysId(id: string): string {
  return encodeFileId({ ...decodeFileId(id), root: new Uint8Array(32).fill(7) })
}

describe('weft chat, share and get as processes', () => {
  const temp = tempDir('files')
  let bin: string
  let sharer: CliProcess
  let shared: { id: string; size: number; addrs: string[]; peerId: string }
  let payload: Buffer

  beforeAll(async () => {
    bin = bundleCli(temp.dir)
    payload = randomBytes(5 * MiB + 12_345)
    writeFileSync(join(temp.dir, 'payload.bin'), payload)
    sharer = spawnCli(bin, ['share', join(temp.dir, 'payload.bin'), '--json', ...LOOPBACK], temp.dir)
    shared = JSON.parse((await sharer.waitFor(/^\{.*\}$/m))[0])
  }, 120_000)

  afterAll(async () => {
    sharer?.signal('SIGTERM')
    await sharer?.exited()
    temp.remove()
  })

  it('chats both ways between two processes and leaves on quit and on end of input', async () => {
    const alice = spawnCli(bin, ['chat', 'lobby', '--name', 'alice', ...LOOPBACK], temp.dir)
    const [, address] = await alice.waitFor(/^\s+(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)$/m)
    expect(alice.stdout()).toMatch(/^you are alice in "lobby"; others join with one of:$/m)
    const bob = spawnCli(bin, ['chat', 'lobby', '--name', 'bob', '--join', address!, ...LOOPBACK], temp.dir)
    try {
      await bob.waitFor(/^\* joined …\S{6}$/m)
      await bob.waitFor(/^type a line to send it/m)
      await alice.waitFor(/^\* …\S{6} joined$/m)

      bob.write('hello from bob\n')
      await alice.waitFor(/^\[bob\] hello from bob$/m)
      alice.write('hi bob, alice here\n')
      await bob.waitFor(/^\[alice\] hi bob, alice here$/m)
      expect(alice.stdout()).not.toMatch(/^\[alice\]/m)
      expect(bob.stdout()).not.toMatch(/^\[bob\]/m)

      bob.write('quit\n')
      expect(await bob.exited()).toBe(0)
      expect(bob.stdout()).toMatch(/^bye$/m)
      await alice.waitFor(/^\* …\S{6} left$/m)
      alice.endInput()
      expect(await alice.exited()).toBe(0)
      expect(alice.stderr()).toBe('')
    } finally {
      bob.signal('SIGKILL')
      alice.signal('SIGKILL')
    }
  }, 60_000)

  it('leaves the chat on SIGTERM with exit code 0', async () => {
    const carol = spawnCli(bin, ['chat', 'lobby', '--name', 'carol', ...LOOPBACK], temp.dir)
    await carol.waitFor(/^type a line to send it/m)
    carol.signal('SIGTERM')
    expect(await carol.exited()).toBe(0)
    expect(carol.stdout()).toMatch(/^bye$/m)
  }, 30_000)

  it('shares a file and gets it byte for byte, with plain progress lines off a terminal', async () => {
    expect(shared.id).toMatch(/^weft-file:z/)
    expect(shared.size).toBe(payload.byteLength)
    const dest = join(temp.dir, 'got.bin')
    const result = await runCli(
      bin,
      ['get', shared.id, dest, '--from', shared.addrs[0]!, ...LOOPBACK],
      temp.dir,
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(Buffer.compare(readFileSync(dest), payload)).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines.at(-1)).toMatch(/^saved .*got\.bin \(5\.0 MiB\) in [\d.]+ s, [\d.]+ [KMG]?i?B\/s$/)
    expect(lines.at(-2)).toMatch(/^5\.0 MiB of 5\.0 MiB \(100%\), [\d.]+ [KMG]?i?B\/s, \d+ peers?$/)
    // no bar, no carriage returns, no escape codes when stdout is not a terminal
    expect(result.stdout).not.toContain('\r')
    expect(result.stdout).not.toContain('\u001b')

    const again = await runCli(
      bin,
      ['get', shared.id, dest, '--from', shared.addrs[0]!, ...LOOPBACK],
      temp.dir,
    )
    expect(again).toMatchObject({ code: 1, stdout: '' })
    expect(again.stderr).toBe(`weft: ${dest} exists (--force overwrites it)\n`)

    const folder = join(temp.dir, 'downloads')
    mkdirSync(folder)
    const json = await runCli(
      bin,
      ['get', shared.id, folder, '--from', shared.addrs[0]!, '--json', ...LOOPBACK],
      temp.dir,
    )
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({ id: shared.id, size: payload.byteLength })
    expect(report.dest).toMatch(/\/downloads\/weft-[0-9a-f]{16}$/)
    expect(Buffer.compare(readFileSync(report.dest), payload)).toBe(0)
  }, 90_000)

  it('fails with one line and the documented exit code', async () => {
    const unknownId = nobodysId(shared.id)
    const cases: Array<[string[], number, RegExp]> = [
      [['chat', 'no room!', ...LOOPBACK], 1, /^weft: room "no room!": an app name is 1 to 64 letters/],
      [['chat', 'lobby', '--join', 'nowhere', ...LOOPBACK], 1, /^weft: --join: "nowhere" is not an address/],
      [
        ['share', join(temp.dir, 'missing.bin'), ...LOOPBACK],
        1,
        /^weft: cannot read .*missing\.bin: ENOENT\n$/,
      ],
      [['share', temp.dir, ...LOOPBACK], 1, /^weft: .* is not a regular file\n$/],
      [['get', 'weft-file:nope', ...LOOPBACK], 1, /^weft: not a file id: weft-file:nope /],
      [['get', shared.id, '--no-mdns'], 1, /^weft: name a sharer with --from <address>/],
      [['get', shared.id, '--from', 'a:b:c', ...LOOPBACK], 1, /^weft: --from: "a:b:c" is not an address/],
      [
        [
          'get',
          shared.id,
          join(temp.dir, 'x.bin'),
          '--from',
          '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQh3uJJbLYwprxHtGVKofmkERBqzQdCrf3qiApsK2ZXB5',
          ...LOOPBACK,
        ],
        1,
        /^weft: cannot reach \/ip4\/127\.0\.0\.1\/tcp\/1\/p2p\/\S+: /,
      ],
      [
        [
          'get',
          unknownId,
          join(temp.dir, 'y.bin'),
          '--from',
          shared.addrs[0]!,
          '--timeout',
          '2',
          ...LOOPBACK,
        ],
        1,
        /^weft: NoSourcesError: no peer in the app can serve file /,
      ],
      [['get', shared.id, '--timeout', '0', ...LOOPBACK], 1, /^weft: --timeout must be/],
    ]
    for (const [args, code, stderr] of cases) {
      const result = await runCli(bin, args, temp.dir)
      expect([args.join(' '), result.code, result.stderr]).toEqual([
        args.join(' '),
        code,
        expect.stringMatching(stderr),
      ])
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
  }, 120_000)

  it('ends an interrupted get with exit code 130, and the sharer with 0 on SIGTERM', async () => {
    const unknownId = nobodysId(shared.id)
    const getter = spawnCli(
      bin,
      ['get', unknownId, join(temp.dir, 'z.bin'), '--from', shared.addrs[0]!, ...LOOPBACK],
      temp.dir,
    )
    await getter.waitFor(/^0 B of /m)
    getter.signal('SIGINT')
    expect(await getter.exited()).toBe(130)
    expect(getter.stderr()).toBe('weft: interrupted with 0 B on disk; the same command resumes\n')

    const other = spawnCli(bin, ['share', join(temp.dir, 'payload.bin'), ...LOOPBACK], temp.dir)
    const [, id] = await other.waitFor(/^ {2}(weft-file:\S+)$/m)
    expect(id).toBe(shared.id)
    await other.waitFor(/^Ctrl-C stops sharing$/m)
    expect(other.stdout()).toMatch(
      new RegExp(`^  weft get ${id} --from /ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/\\S+$`, 'm'),
    )
    other.signal('SIGTERM')
    expect(await other.exited()).toBe(0)
  }, 60_000)
})
