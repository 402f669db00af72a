/**
 * Acceptance 5 for `weft dht`: get-peers and crawl as processes against a
 * small swarm of @weft/mainline-dht nodes on 127.0.0.1, and the refusals:
 * no DHT is contacted without --bootstrap (the public routers only with
 * --public-bootstrap, which no test passes).
 */
import { createHash } from 'node:crypto'
import { type MainlineDHT, mainlineDHT } from '@weft/mainline-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, runCli, tempDir } from './helpers.js'

const SWARM = 8
const TORRENTS = 12

function infohash(label: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(label).digest())
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** RFC 4648 base32 without padding, as magnet links spell infohashes. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += alphabet[(value >> bits) & 31]
    }
  }
  return out
}

describe('weft dht against a swarm on loopback', () => {
  const temp = tempDir('dht')
  const nodes: MainlineDHT[] = []
  const announced = new Set<string>()
  let bin: string
  let local: string[]

  beforeAll(async () => {
    bin = bundleCli(temp.dir)
    for (let index = 0; index < SWARM; index++) {
      const node = mainlineDHT({
        host: '127.0.0.1',
        nodesPerIp: 64,
        refreshInterval: 0,
        samples: { interval: 0 },
        // all the swarm shares one IP: its rate limit per host must let the swarm talk
        rateLimit: { ratePerSecond: 1000, burst: 2000 },
        bootstrap: nodes.slice(Math.max(0, index - 3)).flatMap((other) => other.addresses()),
      })
      await node.start()
      nodes.push(node)
    }
    for (let index = 0; index < TORRENTS; index++) {
      const target = infohash(`torrent ${index}`)
      const { announced: count } = await nodes[index % SWARM]!.announce(target, { port: 7000 + index })
      if (count > 0) announced.add(hex(target))
    }
    const first = nodes[0]!.addresses()[0]!
    local = ['--bootstrap', `${first.host}:${first.port}`, '--bind', '127.0.0.1', '--nodes-per-ip', '64']
  }, 120_000)

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    temp.remove()
  })

  it('prints the peers announcing an infohash, given in hex or base32', async () => {
    expect(announced.size).toBe(TORRENTS)
    const target = infohash('torrent 3')
    const result = await runCli(bin, ['dht', 'get-peers', hex(target), ...local], temp.dir)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('127.0.0.1:7003\n')
    expect(result.stderr).toMatch(
      new RegExp(`^1 peer for ${hex(target)} \\(\\d+ queries, \\d+ closest nodes\\)\\n$`),
    )

    const json = await runCli(bin, ['dht', 'get-peers', base32(target), ...local, '--json'], temp.dir)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ infohash: hex(target), peers: ['127.0.0.1:7003'] })

    const nobody = await runCli(bin, ['dht', 'get-peers', hex(infohash('nobody')), ...local], temp.dir)
    expect(nobody).toMatchObject({ code: 1, stdout: '' })
    expect(nobody.stderr).toMatch(/^weft: no peers announce [0-9a-f]{40} \(\d+ queries, \d+ nodes\)\n$/)
  }, 60_000)

  it('crawls the swarm with BEP51, bounded, and prints the counts per minute', async () => {
    const json = await runCli(
      bin,
      ['dht', 'crawl', ...local, '--duration', '20', '--rate', '200', '--json'],
      temp.dir,
    )
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(new Set(report.found)).toEqual(announced)
    expect(report).toMatchObject({ infohashes: TORRENTS, perMinute: [TORRENTS] })
    expect(report.nodes).toBeGreaterThanOrEqual(SWARM - 1)
    expect(['exhausted', 'duration']).toContain(report.reason)
    expect(json.stderr).toMatch(/^minute 1: 12 new infohashes \(partial: \d+ s\)\n$/)

    const text = await runCli(
      bin,
      ['dht', 'crawl', ...local, '--duration', '2', '--max', '5', '--rate', '200'],
      temp.dir,
    )
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(
      /^minute 1: 5 new infohashes \(partial: \d+ s\)\ncrawl ended \(max-infohashes\) after [\d.]+ s: 5 infohashes from \d+ of \d+ nodes, \d+ queries\n$/,
    )

    const listed = await runCli(
      bin,
      ['dht', 'crawl', ...local, '--duration', '20', '--rate', '200', '--list'],
      temp.dir,
    )
    expect(listed.code).toBe(0)
    expect(new Set(listed.stdout.trim().split('\n'))).toEqual(announced)
    expect(listed.stderr).toMatch(/^minute 1: 12 new infohashes/)
  }, 90_000)

  it('contacts no DHT without --bootstrap, and fails with one line', async () => {
    const target = hex(infohash('torrent 1'))
    const cases: Array<[string[], RegExp]> = [
      [
        ['dht', 'get-peers', target],
        /^weft: weft dht needs --bootstrap host:port \(the public DHT is contacted only with --public-bootstrap\)\n$/,
      ],
      [['dht', 'crawl'], /^weft: weft dht needs --bootstrap host:port/],
      [
        ['dht', 'get-peers', 'abc', ...local],
        /^weft: an infohash is 40 hex digits or 32 base32 letters, got "abc"\n$/,
      ],
      [
        ['dht', 'get-peers', target, '--bootstrap', 'nonsense'],
        /^weft: --bootstrap expects host:port, got "nonsense"\n$/,
      ],
      [
        ['dht', 'get-peers', target, '--bootstrap', '127.0.0.1:9', '--bind', '127.0.0.1'],
        /^weft: no bootstrap node answered \(127\.0\.0\.1:9\)\n$/,
      ],
      [['dht', 'crawl', ...local, '--duration', '0'], /^weft: --duration must be 1 to 86400, got 0\n$/],
      [['dht'], /^weft: Not enough non-option arguments: got 0, need at least 1 \(weft --help\)\n$/],
    ]
    for (const [args, stderr] of cases) {
      const result = await runCli(bin, args, temp.dir)
      expect([args.join(' '), result.code, result.stderr]).toEqual([
        args.join(' '),
        1,
        expect.stringMatching(stderr),
      ])
    }
  }, 60_000)
})
