/**
 * Acceptance 5: the `weft` commands as processes: exit codes, output,
 * --help for every command, one-line errors (a stack only with --debug).
 */
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, runCli, startDaemonProcess, tempDir } from './helpers.js'

describe('the weft command', () => {
  const temp = tempDir('cli')
  let bin: string

  beforeAll(() => {
    bin = bundleCli(temp.dir)
  }, 120_000)

  afterAll(() => temp.remove())

  it('prints help for the program and every command', async () => {
    const top = await runCli(bin, ['--help'], temp.dir)
    expect(top.code).toBe(0)
    for (const name of [
      'id',
      'daemon',
      'ping <address>',
      'nat',
      'chat <room>',
      'share <file>',
      'get <id> [dest]',
      'dht <command>',
    ]) {
      expect(top.stdout).toContain(`weft ${name}`)
    }
    for (const [args, expected] of [
      [['id', '--help'], '--create'],
      [['daemon', '--help'], '--listen-unix'],
      [['ping', '--help'], '--count'],
      [['nat', '--help'], '--stun'],
      [['chat', '--help'], '--join'],
      [['share', '--help'], '--app'],
      [['get', '--help'], '--from'],
      [['dht', '--help'], 'get-peers'],
      [['dht', 'get-peers', '--help'], '--public-bootstrap'],
      [['dht', 'crawl', '--help'], '--duration'],
    ] as const) {
      const result = await runCli(bin, [...args], temp.dir)
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 0])
      expect(result.stdout).toContain(expected)
    }
  })

  it('creates the identity once, 0600, and shows the same peer id after', async () => {
    const first = await runCli(bin, ['id'], temp.dir)
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/^created a new Ed25519 key in .*weft\/identity\.key\n$/)
    const peerId = first.stdout.trim()
    expect(peerId).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
    expect(statSync(join(temp.dir, 'weft', 'identity.key')).mode & 0o777).toBe(0o600)
    const again = await runCli(bin, ['id', '--json'], temp.dir)
    expect(JSON.parse(again.stdout)).toMatchObject({ peerId, created: false, type: 'Ed25519' })
    const missing = await runCli(bin, ['id', '--no-create', '--key', join(temp.dir, 'none.key')], temp.dir)
    expect(missing).toMatchObject({ code: 1, stdout: '' })
    expect(missing.stderr).toMatch(/^weft: no key file at .*none\.key \(run `weft id` to create one\)\n$/)
  })

  it('fails with one line and a non-zero exit code', async () => {
    writeFileSync(join(temp.dir, 'a-file'), 'not a folder')
    const cases: Array<[string[], number, RegExp]> = [
      [[], 1, /^weft: name a command/],
      [['bogus'], 1, /^weft: Unknown argument: bogus/],
      [['ping'], 1, /^weft: Not enough non-option arguments/],
      [['ping', 'not-an-address'], 1, /^weft: not a multiaddr: not-an-address\n$/],
      [['ping', '/ip4/127.0.0.1/tcp/1', '--count', '0'], 1, /^weft: --count must be/],
      [['nat'], 1, /^weft: weft nat needs at least one --stun host:port/],
      [['nat', '--stun', 'nonsense'], 1, /^weft: --stun expects host:port, got "nonsense"\n$/],
      [['chat'], 1, /^weft: Not enough non-option arguments/],
      [['chat', 'lobby', '--join', 'x:y'], 1, /^weft: --join: "x:y" is not an address/],
      [['share', 'file.bin'], 1, /^weft: cannot read .*file\.bin: ENOENT\n$/],
      [['get', 'abc'], 1, /^weft: not a file id: abc /],
      [
        ['dht', 'get-peers', 'aa'],
        1,
        /^weft: an infohash is 40 hex digits or 32 base32 letters, got "aa"\n$/,
      ],
      [['dht', 'crawl'], 1, /^weft: weft dht needs --bootstrap host:port/],
      [
        ['id', '--key', join(temp.dir, 'a-file', 'key')],
        1,
        /^weft: cannot read key file .*a-file\/key: ENOTDIR\n$/,
      ],
    ]
    for (const [args, code, stderr] of cases) {
      const result = await runCli(bin, args, temp.dir)
      expect([args.join(' '), result.code]).toEqual([args.join(' '), code])
      expect(result.stderr).toMatch(stderr)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
    const debug = await runCli(
      bin,
      [
        'ping',
        '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQh3uJJbLYwprxHtGVKofmkERBqzQdCrf3qiApsK2ZXB5',
        '--count',
        '1',
        '--timeout',
        '3',
        '--debug',
      ],
      temp.dir,
    )
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/^weft: ping .* failed: /)
    expect(debug.stderr).toMatch(/\n\s+at /)
  }, 90_000)

  it('prints the network report without contacting any server when none is named', async () => {
    const json = await runCli(bin, ['nat', '--report', '--json'], temp.dir)
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report.schema).toBe('weft.network-report/1')
    expect(report.interfaces.length).toBeGreaterThan(0)
    for (const entry of report.nat) expect(entry.status).toBe('unconfigured')
    const text = await runCli(bin, ['nat', '--report'], temp.dir)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/lo|127\.0\.0\.1/)
  }, 60_000)

  it('pings a daemon and refuses a second daemon on the same API port', async () => {
    const daemon = await startDaemonProcess(bin, temp.dir, 'target')
    try {
      const result = await runCli(bin, ['ping', daemon.addrs[0]!, '--count', '2'], temp.dir)
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(
          `^pong from ${daemon.peerId}: [\\d.]+ ms\\npong from .*\\n2 pings, average [\\d.]+ ms\\n$`,
        ),
      )
      const json = await runCli(bin, ['ping', daemon.addrs[0]!, '--count', '1', '--json'], temp.dir)
      expect(JSON.parse(json.stdout)).toMatchObject({ address: daemon.addrs[0], rtts: [expect.any(Number)] })
      const clash = await runCli(
        bin,
        [
          'daemon',
          '--api-port',
          String(daemon.port),
          '--listen',
          '/ip4/127.0.0.1/tcp/0',
          '--token-file',
          join(temp.dir, 't2'),
        ],
        temp.dir,
      )
      expect(clash.code).toBe(1)
      expect(clash.stderr).toBe(`weft: port ${daemon.port} on 127.0.0.1 is in use (try --api-port 0)\n`)
    } finally {
      expect(await daemon.stop()).toBe(0)
    }
  }, 60_000)
})
